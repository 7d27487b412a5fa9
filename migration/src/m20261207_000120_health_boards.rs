//! NHS Scotland's 14 territorial health boards (GSS `S08…`) and the board
//! each council area lies in. Every board is made of whole council areas,
//! so a board filter is the union of its areas and a place's board follows
//! from its council area. The rows are facts, so they ship with the schema
//! (codes as Code-Point Open of May 2025 gives them, after the 2019 boundary
//! changes).

use sea_orm_migration::sea_orm::DatabaseBackend;
use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261201_000050_change_announcements::announce_changes_sql;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// (board code, name, its council areas).
const BOARDS: [(&str, &str, &[&str]); 14] = [
    (
        "S08000015",
        "NHS Ayrshire and Arran",
        &["S12000008", "S12000021", "S12000028"],
    ),
    ("S08000016", "NHS Borders", &["S12000026"]),
    ("S08000017", "NHS Dumfries and Galloway", &["S12000006"]),
    (
        "S08000019",
        "NHS Forth Valley",
        &["S12000005", "S12000014", "S12000030"],
    ),
    ("S08000020", "NHS Grampian", &["S12000020", "S12000033", "S12000034"]),
    ("S08000022", "NHS Highland", &["S12000017", "S12000035"]),
    (
        "S08000024",
        "NHS Lothian",
        &["S12000010", "S12000019", "S12000036", "S12000040"],
    ),
    ("S08000025", "NHS Orkney", &["S12000023"]),
    ("S08000026", "NHS Shetland", &["S12000027"]),
    ("S08000028", "NHS Western Isles", &["S12000013"]),
    ("S08000029", "NHS Fife", &["S12000047"]),
    ("S08000030", "NHS Tayside", &["S12000041", "S12000042", "S12000048"]),
    (
        "S08000031",
        "NHS Greater Glasgow and Clyde",
        &[
            "S12000011",
            "S12000018",
            "S12000038",
            "S12000039",
            "S12000045",
            "S12000049",
        ],
    ),
    ("S08000032", "NHS Lanarkshire", &["S12000029", "S12000050"]),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("health_board")
                    .col(string("code").primary_key())
                    .col(string("name"))
                    .to_owned(),
            )
            .await?;
        let mut insert = Query::insert();
        insert.into_table("health_board").columns(["code", "name"]);
        for (code, name, _) in BOARDS {
            insert.values_panic([code.into(), name.into()]);
        }
        manager.exec_stmt(insert).await?;
        // Anonymous answers show board names: their changes must reach the
        // response caches of every instance, as every other table's do.
        let db = manager.get_connection();
        if db.get_database_backend() == DatabaseBackend::Postgres {
            db.execute_unprepared(&announce_changes_sql("health_board")).await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table("area")
                    .add_column(string_null("health_board_code"))
                    .to_owned(),
            )
            .await?;
        for (code, _, areas) in BOARDS {
            let mut update = Query::update();
            update
                .table("area")
                .value("health_board_code", code)
                .and_where(Expr::col("code").is_in(areas.iter().copied()));
            manager.exec_stmt(update).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(Table::alter().table("area").drop_column("health_board_code").to_owned())
            .await?;
        manager.drop_table(Table::drop().table("health_board").to_owned()).await
    }
}
