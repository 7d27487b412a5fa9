//! The `area` table and its reference rows: Scotland's 32 council areas by GSS
//! code, the partnership (HSCP) covering each, and `SCOTLAND` for national
//! coverage. The rows are facts, so they ship with the schema.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

const COUNCIL_AREAS: &str = include_str!("scottish-council-areas.csv");

/// Each HSCP covers one council area, except Clackmannanshire and Stirling,
/// which share one partnership.
fn hscp_name(area: &str) -> String {
    match area {
        "Clackmannanshire" | "Stirling" => "Clackmannanshire and Stirling Health and Social Care Partnership".into(),
        _ => format!("{area} Health and Social Care Partnership"),
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("area")
                    .col(string("code").primary_key())
                    .col(string("name"))
                    .col(string("kind"))
                    .col(string_null("hscp_name"))
                    .to_owned(),
            )
            .await?;
        let mut insert = Query::insert();
        insert.into_table("area").columns(["code", "name", "kind", "hscp_name"]);
        insert.values_panic([
            "SCOTLAND".into(),
            "Scotland".into(),
            "NATION".into(),
            Option::<String>::None.into(),
        ]);
        for line in COUNCIL_AREAS.lines().skip(1).filter(|l| !l.trim().is_empty()) {
            let (code, name) = line
                .split_once(',')
                .ok_or_else(|| DbErr::Custom(format!("bad council area line: {line}")))?;
            let name = name.trim().trim_matches('"');
            insert.values_panic([
                code.trim().into(),
                name.into(),
                "COUNCIL_AREA".into(),
                hscp_name(name).into(),
            ]);
        }
        manager.exec_stmt(insert).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table("area").to_owned()).await
    }
}
