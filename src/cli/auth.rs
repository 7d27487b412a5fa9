//! `hubgraph partner ...` and `hubgraph token ...`, and the JWT settings
//! that `serve` and `token issue` read from flags or the environment.

use std::time::Duration;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use sea_orm::DatabaseConnection;

use serde_json::json;

use super::listing::{Format, Listing};
use crate::config::{DEFAULT_JWT_AUDIENCE, DEFAULT_JWT_ISSUER, JwtSettings};
use crate::error::AppError;
use crate::graphql::ids::{self, Kind};
use crate::partners::{self, JwtKeys, NewPartner, PartnerKind};

/// JWT keys and expected claims. Prefer the environment variables to the
/// flags for secrets: flags show in the process list.
#[derive(Args)]
pub struct JwtArgs {
    /// HS256 shared secret, at least 32 bytes.
    #[arg(long = "jwt-secret", env = "HUBGRAPH_JWT_SECRET", hide_env_values = true)]
    secret: Option<String>,
    /// Public key verifying RS256, ES256 or EdDSA tokens (by its type): PEM text or a PEM file's path.
    #[arg(long = "jwt-public-key", env = "HUBGRAPH_JWT_PUBLIC_KEY", hide_env_values = true)]
    public_key: Option<String>,
    /// Private key matching the public key, to issue tokens: PEM (PKCS#8) text or a file's path.
    #[arg(long = "jwt-private-key", env = "HUBGRAPH_JWT_PRIVATE_KEY", hide_env_values = true)]
    private_key: Option<String>,
    /// The `iss` tokens must carry (and issued tokens get).
    #[arg(long = "jwt-issuer", env = "HUBGRAPH_JWT_ISSUER", default_value = DEFAULT_JWT_ISSUER)]
    issuer: String,
    /// The `aud` tokens must carry (and issued tokens get).
    #[arg(long = "jwt-audience", env = "HUBGRAPH_JWT_AUDIENCE", default_value = DEFAULT_JWT_AUDIENCE)]
    audience: String,
    /// The `kid` tokens may name (and issued tokens get); unset, tokens naming a key are refused.
    #[arg(long = "jwt-key-id", env = "HUBGRAPH_JWT_KEY_ID")]
    key_id: Option<String>,
}

impl std::fmt::Debug for JwtArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The settings' Debug redacts the secrets.
        f.debug_struct("JwtArgs")
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .finish_non_exhaustive()
    }
}

impl JwtArgs {
    /// The settings, with PEM keys read from files where paths were given.
    pub fn settings(&self) -> anyhow::Result<JwtSettings> {
        Ok(JwtSettings {
            secret: self.secret.clone(),
            public_key_pem: self
                .public_key
                .as_deref()
                .map(|v| pem_text(v, "HUBGRAPH_JWT_PUBLIC_KEY"))
                .transpose()?,
            private_key_pem: self
                .private_key
                .as_deref()
                .map(|v| pem_text(v, "HUBGRAPH_JWT_PRIVATE_KEY"))
                .transpose()?,
            issuer: self.issuer.clone(),
            audience: self.audience.clone(),
            key_id: self.key_id.clone(),
        })
    }
}

/// A PEM value is the key itself, or the path of a file holding it. Keys
/// pasted into one-line env files arrive with `\n` escapes; they are undone.
fn pem_text(value: &str, name: &str) -> anyhow::Result<String> {
    if value.contains("-----BEGIN") {
        if !value.contains('\n') && value.contains("\\n") {
            return Ok(value.replace("\\n", "\n"));
        }
        return Ok(value.to_owned());
    }
    if value.trim().is_empty() {
        return Ok(String::new());
    }
    std::fs::read_to_string(value).with_context(|| format!("{name}: cannot read the PEM file {value}"))
}

#[derive(Debug, Subcommand)]
pub enum PartnerCommand {
    /// Register a partner; prints its id (the `sub` its tokens carry) alone on stdout.
    Add {
        /// What kind of body it is.
        #[arg(long, value_parser = ["library", "hscp", "third-sector", "admin"])]
        kind: String,
        /// Its name.
        #[arg(long)]
        name: String,
        /// The organization whose records it keeps (required for library and third-sector).
        #[arg(long)]
        organization: Option<String>,
        /// A council area (GSS code) it covers; repeat for several (an hscp needs at least one).
        #[arg(long = "area")]
        areas: Vec<String>,
    },
    /// List partners: id, kind, name, organization id, areas, status.
    List {
        /// `table` (aligned, with a header), `tsv` (header, then tab-separated lines) or `json`.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Disable a partner: its tokens are refused from the next request on.
    Disable {
        /// The partner's id.
        id: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Issue a token; prints the signed JWT alone on stdout.
    Issue {
        /// The partner's id.
        #[arg(long)]
        partner: String,
        /// A scope to grant; repeat for several. Default: all the partner's kind allows.
        #[arg(long = "scope")]
        scopes: Vec<String>,
        /// How long the token lives, e.g. 1h, 30d (at most 366 days).
        #[arg(long, default_value = "1h", value_parser = humantime::parse_duration)]
        ttl: Duration,
        #[command(flatten)]
        jwt: JwtArgs,
    },
    /// List issued tokens: jti, partner id, scopes, issued, expires, status.
    List {
        /// Only this partner's tokens.
        #[arg(long)]
        partner: Option<String>,
        /// `table` (aligned, with a header), `tsv` (header, then tab-separated lines) or `json`.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Revoke a token by its jti: it is refused from the next request on.
    Revoke {
        /// The token's `jti`.
        jti: String,
    },
}

/// A domain error as the one line a person reads; faults keep their detail.
fn user_error(error: AppError) -> anyhow::Error {
    if error.is_internal() {
        anyhow::anyhow!("{error:?}")
    } else {
        anyhow::anyhow!("{}", error.message())
    }
}

/// A partner id as given on the command line: a global id or a raw UUID.
fn partner_id(id: &str) -> anyhow::Result<String> {
    ids::decode(id.trim(), Kind::Partner, &["partner"]).map_err(|_| anyhow::anyhow!("{id} is not a partner id"))
}

pub async fn run_partner(db: &DatabaseConnection, command: PartnerCommand) -> anyhow::Result<()> {
    match command {
        PartnerCommand::Add {
            kind,
            name,
            organization,
            areas,
        } => {
            let kind = PartnerKind::parse(&kind).with_context(|| format!("unknown partner kind {kind}"))?;
            let organization_id = organization
                .map(|id| {
                    ids::decode(id.trim(), Kind::Organization, &["organization"])
                        .map_err(|_| anyhow::anyhow!("{id} is not an organization id"))
                })
                .transpose()?;
            let new = NewPartner {
                kind,
                name,
                organization_id,
                area_codes: areas,
            };
            let partner = partners::add_partner(db, new).await.map_err(user_error)?;
            eprintln!("registered {kind} partner {:?}", partner.record.name);
            println!("{}", partner.record.id);
        }
        PartnerCommand::List { format } => {
            let mut listing = Listing::new(&["ID", "KIND", "NAME", "ORGANIZATION", "AREAS", "STATUS"]);
            for partner in partners::list_partners(db).await.map_err(user_error)? {
                let record = &partner.record;
                let status = if record.disabled { "disabled" } else { "enabled" };
                let json = json!({
                    "id": record.id,
                    "kind": record.kind,
                    "name": record.name,
                    "organizationId": record.organization_id,
                    "areaCodes": partner.area_codes,
                    "status": status,
                });
                listing.push(
                    vec![
                        record.id.clone(),
                        record.kind.clone(),
                        record.name.clone(),
                        record.organization_id.clone().unwrap_or_else(|| "-".into()),
                        if partner.area_codes.is_empty() {
                            "-".to_owned()
                        } else {
                            partner.area_codes.join(",")
                        },
                        status.into(),
                    ],
                    json,
                );
            }
            print!("{}", listing.render(format));
        }
        PartnerCommand::Disable { id } => {
            let partner = partners::disable_partner(db, &partner_id(&id)?)
                .await
                .map_err(user_error)?;
            eprintln!(
                "disabled partner {} ({:?}): its tokens are refused from now on",
                partner.id, partner.name
            );
        }
    }
    Ok(())
}

pub async fn run_token(db: &DatabaseConnection, command: TokenCommand) -> anyhow::Result<()> {
    match command {
        TokenCommand::Issue {
            partner,
            scopes,
            ttl,
            jwt,
        } => {
            let Some(keys) = JwtKeys::from_settings(&jwt.settings()?)? else {
                bail!(
                    "issuing tokens needs HUBGRAPH_JWT_SECRET, or HUBGRAPH_JWT_PUBLIC_KEY with HUBGRAPH_JWT_PRIVATE_KEY"
                );
            };
            if !keys.can_sign() {
                bail!("issuing tokens needs HUBGRAPH_JWT_PRIVATE_KEY (the public key only verifies them)");
            }
            // `--scope "a b"` and `--scope a,b` work as well as repeating the flag.
            let scopes: Vec<String> = scopes
                .iter()
                .flat_map(|s| s.split([' ', ',']))
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect();
            let issued = partners::issue_token(db, &keys, &partner_id(&partner)?, &scopes, ttl)
                .await
                .map_err(user_error)?;
            eprintln!(
                "issued token {} with scopes [{}], expiring {}",
                issued.jti,
                issued.scopes.join(" "),
                issued.expires_at.to_rfc3339()
            );
            println!("{}", issued.token);
        }
        TokenCommand::List { partner, format } => {
            let partner = partner.as_deref().map(partner_id).transpose()?;
            let now = chrono::Utc::now();
            let mut listing = Listing::new(&["JTI", "PARTNER", "SCOPES", "ISSUED", "EXPIRES", "STATUS"]);
            for token in partners::list_tokens(db, partner.as_deref())
                .await
                .map_err(user_error)?
            {
                let status = if token.revoked_at.is_some() {
                    "revoked"
                } else if token.expires_at < now {
                    "expired"
                } else {
                    "active"
                };
                let (issued, expires) = (token.issued_at.to_rfc3339(), token.expires_at.to_rfc3339());
                let json = json!({
                    "jti": token.jti,
                    "partnerId": token.partner_id,
                    "scopes": token.scopes.split_whitespace().collect::<Vec<_>>(),
                    "issuedAt": issued,
                    "expiresAt": expires,
                    "status": status,
                });
                listing.push(
                    vec![
                        token.jti,
                        token.partner_id,
                        token.scopes,
                        issued,
                        expires,
                        status.into(),
                    ],
                    json,
                );
            }
            print!("{}", listing.render(format));
        }
        TokenCommand::Revoke { jti } => {
            let token = partners::revoke_token(db, jti.trim()).await.map_err(user_error)?;
            eprintln!("revoked token {}: it is refused from the next request on", token.jti);
        }
    }
    Ok(())
}
