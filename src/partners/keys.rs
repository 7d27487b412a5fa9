//! Signing and verifying JWTs with the configured key.
//!
//! One algorithm is configured and pinned: HS256 with a shared secret, or
//! RS256 / ES256 / EdDSA by the type of the public key. A token whose header
//! names another algorithm (`none`, or HS256 signed with the public key's
//! text) is refused before any signature check. `kid`, `jku`, `jwk`, `x5u`
//! and `x5c` are never used to find a key: there is exactly one. A `kid`
//! is only compared, as a plain string, with `HUBGRAPH_JWT_KEY_ID`: with
//! that unset, any token naming a key is refused (we have no named keys).

use anyhow::{Context, bail};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use super::tokens::MAX_TTL;
use crate::config::JwtSettings;

/// HS256 secrets shorter than this are refused at start-up (RFC 7518 §3.2:
/// the key must be at least as long as the hash output).
pub const MIN_SECRET_BYTES: usize = 32;
/// Clock skew tolerated on `exp` (and `nbf`).
pub const LEEWAY_SECS: u64 = 30;
/// The longest token we try to decode; ours are well under 1 KiB.
pub const MAX_TOKEN_BYTES: usize = 8 * 1024;

/// The claims hubgraph puts in the tokens it issues.
#[derive(Debug, Serialize)]
struct IssuedClaims<'a> {
    iss: &'a str,
    aud: &'a str,
    sub: &'a str,
    exp: i64,
    iat: i64,
    jti: &'a str,
    scope: &'a str,
}

/// The claims read from a verified token. `iss` and `aud` were checked by
/// the validation and are not needed afterwards.
#[derive(Debug, Clone, Deserialize)]
pub struct VerifiedClaims {
    pub sub: String,
    pub jti: String,
    /// Seconds since the epoch (some libraries write a float).
    pub exp: f64,
    /// Seconds since the epoch when the token was issued, if it says.
    #[serde(default)]
    pub iat: Option<f64>,
    /// Space-separated scopes; absent means none.
    #[serde(default)]
    pub scope: Option<String>,
}

/// Why a token was refused: for the log, never for the client.
#[derive(Debug)]
pub struct Refusal(pub String);

/// The configured key material, validation rules, issuer and audience.
pub struct JwtKeys {
    algorithm: Algorithm,
    decoding: DecodingKey,
    encoding: Option<EncodingKey>,
    validation: Validation,
    issuer: String,
    audience: String,
    key_id: Option<String>,
}

impl std::fmt::Debug for JwtKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtKeys")
            .field("algorithm", &self.algorithm)
            .field("can_sign", &self.encoding.is_some())
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

impl JwtKeys {
    /// Builds the keys from the settings; `None` when no JWT setting is given
    /// (tokens are off). Refuses short secrets, unusable PEM and a private
    /// key that does not match the public key.
    pub fn from_settings(settings: &JwtSettings) -> anyhow::Result<Option<JwtKeys>> {
        let secret = settings.secret.as_deref().filter(|s| !s.is_empty());
        let public = settings.public_key_pem.as_deref().filter(|s| !s.trim().is_empty());
        let private = settings.private_key_pem.as_deref().filter(|s| !s.trim().is_empty());
        match (secret, public, private) {
            (None, None, None) => Ok(None),
            (Some(_), Some(_), _) => {
                bail!("set either HUBGRAPH_JWT_SECRET or HUBGRAPH_JWT_PUBLIC_KEY, not both")
            }
            (Some(_), None, Some(_)) => {
                bail!("HUBGRAPH_JWT_PRIVATE_KEY goes with HUBGRAPH_JWT_PUBLIC_KEY, not with HUBGRAPH_JWT_SECRET")
            }
            (None, None, Some(_)) => bail!("HUBGRAPH_JWT_PRIVATE_KEY needs HUBGRAPH_JWT_PUBLIC_KEY as well"),
            (Some(secret), None, None) => {
                if secret.len() < MIN_SECRET_BYTES {
                    bail!(
                        "HUBGRAPH_JWT_SECRET is {} bytes long; it must be at least {MIN_SECRET_BYTES} bytes \
                         (e.g. `openssl rand -base64 48`)",
                        secret.len()
                    );
                }
                Ok(Some(JwtKeys::new(
                    Algorithm::HS256,
                    DecodingKey::from_secret(secret.as_bytes()),
                    Some(EncodingKey::from_secret(secret.as_bytes())),
                    settings,
                )))
            }
            (None, Some(public), private) => {
                let (algorithm, decoding) = public_key(public)?;
                let encoding = private.map(|pem| private_key(algorithm, pem)).transpose()?;
                if let Some(encoding) = &encoding {
                    check_pair(algorithm, encoding, &decoding)?;
                }
                Ok(Some(JwtKeys::new(algorithm, decoding, encoding, settings)))
            }
        }
    }

    fn new(
        algorithm: Algorithm,
        decoding: DecodingKey,
        encoding: Option<EncodingKey>,
        settings: &JwtSettings,
    ) -> JwtKeys {
        let mut validation = Validation::new(algorithm);
        // jsonwebtoken checks iss/aud/sub only when present unless required.
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.set_issuer(&[&settings.issuer]);
        validation.set_audience(&[&settings.audience]);
        validation.leeway = LEEWAY_SECS;
        validation.validate_exp = true;
        validation.validate_nbf = true;
        JwtKeys {
            algorithm,
            decoding,
            encoding,
            validation,
            issuer: settings.issuer.clone(),
            audience: settings.audience.clone(),
            key_id: settings.key_id.clone().filter(|k| !k.is_empty()),
        }
    }

    /// The one algorithm tokens must use.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// Whether tokens can be issued (a public key alone only verifies).
    pub fn can_sign(&self) -> bool {
        self.encoding.is_some()
    }

    /// Signs a token; `Err` when there is no signing key or signing fails.
    pub(crate) fn sign(&self, sub: &str, jti: &str, scope: &str, iat: i64, exp: i64) -> anyhow::Result<String> {
        let Some(encoding) = &self.encoding else {
            bail!("no signing key: issuing tokens needs HUBGRAPH_JWT_SECRET or HUBGRAPH_JWT_PRIVATE_KEY");
        };
        let claims = IssuedClaims {
            iss: &self.issuer,
            aud: &self.audience,
            sub,
            exp,
            iat,
            jti,
            scope,
        };
        let mut header = Header::new(self.algorithm);
        header.kid = self.key_id.clone();
        jsonwebtoken::encode(&header, &claims, encoding).context("signing the token")
    }

    /// Verifies the signature and the claims of `token`.
    pub fn verify(&self, token: &str) -> Result<VerifiedClaims, Refusal> {
        if token.len() > MAX_TOKEN_BYTES {
            return Err(Refusal(format!("token over {MAX_TOKEN_BYTES} bytes")));
        }
        let header = jsonwebtoken::decode_header(token).map_err(|e| Refusal(format!("bad header: {e}")))?;
        if header.alg != self.algorithm {
            return Err(Refusal(format!("algorithm {:?} is not the configured one", header.alg)));
        }
        // RFC 7519 §5.1: `typ`, when present, is "JWT" (a media type, so
        // case-insensitive, with or without its "application/" prefix).
        if let Some(typ) = &header.typ
            && !(typ.eq_ignore_ascii_case("JWT") || typ.eq_ignore_ascii_case("application/jwt"))
        {
            return Err(Refusal("unexpected typ".into()));
        }
        // Compared, never looked up: no file, URL or row is ever found by it.
        if let Some(kid) = &header.kid
            && self.key_id.as_deref() != Some(kid.as_str())
        {
            return Err(Refusal("kid is not the configured HUBGRAPH_JWT_KEY_ID".into()));
        }
        // RFC 7515 §4.1.11: extensions we do not understand must not be ignored.
        if header.crit.is_some() {
            return Err(Refusal("crit header".into()));
        }
        let data = jsonwebtoken::decode::<VerifiedClaims>(token, &self.decoding, &self.validation)
            .map_err(|e| Refusal(format!("invalid token: {e}")))?;
        let claims = data.claims;
        if claims.sub.trim().is_empty() || claims.jti.trim().is_empty() {
            return Err(Refusal("empty sub or jti".into()));
        }
        if !claims.exp.is_finite() || claims.iat.is_some_and(|iat| !iat.is_finite()) {
            return Err(Refusal("bad exp or iat".into()));
        }
        // A token minted elsewhere lives no longer than one `token issue`
        // would make: counted from `iat`, or from now when it has none or
        // claims to be issued in the future.
        let now = chrono::Utc::now().timestamp() as f64;
        let issued = claims.iat.map_or(now, |iat| iat.min(now));
        let max = (MAX_TTL.as_secs() + LEEWAY_SECS) as f64;
        if claims.exp - issued > max {
            return Err(Refusal("lives longer than the longest token hubgraph issues".into()));
        }
        Ok(claims)
    }
}

/// The verifying key and its algorithm, by the type of the PEM public key.
fn public_key(pem: &str) -> anyhow::Result<(Algorithm, DecodingKey)> {
    if pem.contains("PRIVATE KEY") {
        bail!(
            "HUBGRAPH_JWT_PUBLIC_KEY holds a private key; give the public key (and the private one in HUBGRAPH_JWT_PRIVATE_KEY to issue tokens)"
        );
    }
    let bytes = pem.as_bytes();
    if let Ok(key) = DecodingKey::from_rsa_pem(bytes) {
        return Ok((Algorithm::RS256, key));
    }
    if let Ok(key) = DecodingKey::from_ec_pem(bytes) {
        return Ok((Algorithm::ES256, key));
    }
    if let Ok(key) = DecodingKey::from_ed_pem(bytes) {
        return Ok((Algorithm::EdDSA, key));
    }
    bail!("HUBGRAPH_JWT_PUBLIC_KEY is not an RSA, EC (P-256) or Ed25519 public key in PEM form")
}

fn private_key(algorithm: Algorithm, pem: &str) -> anyhow::Result<EncodingKey> {
    let bytes = pem.as_bytes();
    let key = match algorithm {
        Algorithm::RS256 => EncodingKey::from_rsa_pem(bytes),
        Algorithm::ES256 => EncodingKey::from_ec_pem(bytes),
        _ => EncodingKey::from_ed_pem(bytes),
    };
    key.map_err(|_| {
        anyhow::anyhow!(
            "HUBGRAPH_JWT_PRIVATE_KEY is not a {algorithm:?} private key in PEM (PKCS#8) form matching the public key"
        )
    })
}

/// Signs a probe with the private key and checks it with the public one, so
/// a mismatched pair fails at start-up rather than on every token.
fn check_pair(algorithm: Algorithm, encoding: &EncodingKey, decoding: &DecodingKey) -> anyhow::Result<()> {
    let probe = b"hubgraph key pair check";
    let matches = jsonwebtoken::crypto::sign(probe, encoding, algorithm)
        .and_then(|signature| jsonwebtoken::crypto::verify(&signature, probe, decoding, algorithm))
        .unwrap_or(false);
    if !matches {
        bail!("HUBGRAPH_JWT_PRIVATE_KEY does not match HUBGRAPH_JWT_PUBLIC_KEY");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(secret: &str) -> JwtSettings {
        JwtSettings {
            secret: Some(secret.into()),
            ..JwtSettings::default()
        }
    }

    #[test]
    fn short_secrets_are_refused_with_a_clear_message() {
        let error = JwtKeys::from_settings(&settings("too short")).unwrap_err().to_string();
        assert!(error.contains("at least 32 bytes"), "{error}");
        assert!(!error.contains("too short"), "the secret is never echoed");
    }

    #[test]
    fn no_settings_means_tokens_are_off() {
        assert!(JwtKeys::from_settings(&JwtSettings::default()).unwrap().is_none());
    }

    #[test]
    fn a_signed_token_verifies() {
        let keys = JwtKeys::from_settings(&settings("0123456789abcdef0123456789abcdef"))
            .unwrap()
            .unwrap();
        let now = chrono::Utc::now().timestamp();
        let token = keys.sign("p", "j", "services:write", now, now + 60).unwrap();
        let claims = keys.verify(&token).unwrap();
        assert_eq!((claims.sub.as_str(), claims.jti.as_str()), ("p", "j"));
        assert_eq!(claims.scope.as_deref(), Some("services:write"));
    }
}
