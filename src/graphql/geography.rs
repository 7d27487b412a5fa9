//! The geography partners work in: council areas with their partnership
//! (HSCP), NHS health boards, and postcodes resolved to a point and all of
//! these. A place's health board and HSCP follow from its council area.

use async_graphql::{Context, Enum, Object};
use entity::{area, health_board};

use super::context::{db, load, load_many};
use super::loaders::{AreaByCode, AreasOfHealthBoard, HealthBoardByCode};
use crate::error::AppError;
use crate::services::{areas, geo, outline};

type GqlResult<T> = async_graphql::Result<T>;

/// A council area (GSS code) or `SCOTLAND`.
#[derive(Debug, Clone)]
pub struct Area(pub area::Model);

/// A council area (GSS code) or `SCOTLAND`.
#[Object]
impl Area {
    /// GSS code (e.g. S12000033), or SCOTLAND.
    async fn code(&self) -> &str {
        &self.0.code
    }
    /// Name (e.g. Aberdeen City).
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// COUNCIL_AREA or NATION.
    async fn kind(&self) -> &str {
        &self.0.kind
    }
    /// The Health and Social Care Partnership covering the area
    /// (Clackmannanshire and Stirling share one).
    async fn hscp_name(&self) -> Option<&str> {
        self.0.hscp_name.as_deref()
    }
    /// GSS code of the NHS health board the area lies in (null for SCOTLAND).
    async fn health_board_code(&self) -> Option<&str> {
        self.0.health_board_code.as_deref()
    }
    /// The NHS health board the area lies in.
    async fn health_board(&self, ctx: &Context<'_>) -> GqlResult<Option<HealthBoard>> {
        health_board(ctx, self.0.health_board_code.as_deref()).await
    }
}

/// One of NHS Scotland's 14 territorial health boards, made of whole
/// council areas.
#[derive(Debug, Clone)]
pub struct HealthBoard(pub health_board::Model);

/// One of NHS Scotland's 14 territorial health boards, made of whole
/// council areas.
#[Object]
impl HealthBoard {
    /// GSS code (e.g. S08000024).
    async fn code(&self) -> &str {
        &self.0.code
    }
    /// Name (e.g. NHS Lothian).
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// The council areas the board covers, by name.
    async fn areas(&self, ctx: &Context<'_>) -> GqlResult<Vec<Area>> {
        Ok(load_many(ctx, AreasOfHealthBoard(self.0.code.clone()))
            .await?
            .into_iter()
            .map(Area)
            .collect())
    }
}

/// The health board `code`, when there is one.
async fn health_board(ctx: &Context<'_>, code: Option<&str>) -> GqlResult<Option<HealthBoard>> {
    let Some(code) = code else { return Ok(None) };
    Ok(load(ctx, HealthBoardByCode(code.to_owned())).await?.map(HealthBoard))
}

/// The council area `code`, when there is one.
pub(crate) async fn area(ctx: &Context<'_>, code: Option<&str>) -> GqlResult<Option<area::Model>> {
    let Some(code) = code else { return Ok(None) };
    load(ctx, AreaByCode(code.to_owned())).await
}

/// How closely a postcode answer places someone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum PostcodePrecision {
    /// The full postcode's own centroid.
    Full,
    /// The centroid of the outward code (the postcode district): an
    /// outward code was asked for, or a full postcode not in the postcode
    /// table (new, or outside the data loaded), which fell back to its district.
    Outward,
}

/// A postcode or outward code with its centroid and geography.
#[derive(Debug, Clone)]
pub struct Postcode(pub geo::PostcodeInfo);

/// A postcode or outward code with its centroid and geography.
#[Object]
impl Postcode {
    /// Normalised: "AB10 1AA", or the outward code alone ("AB10") when
    /// `precision` is OUTWARD.
    async fn code(&self) -> &str {
        &self.0.code
    }
    /// The outward code (postcode district).
    async fn outward(&self) -> &str {
        &self.0.outward
    }
    /// Whether the point is the full postcode's or its district's.
    async fn precision(&self) -> PostcodePrecision {
        match self.0.precision {
            geo::Precision::Full => PostcodePrecision::Full,
            geo::Precision::Outward => PostcodePrecision::Outward,
        }
    }
    /// Centroid latitude (for an outward code, the mean of its postcodes).
    async fn latitude(&self) -> f64 {
        self.0.point.latitude
    }
    /// Centroid longitude.
    async fn longitude(&self) -> f64 {
        self.0.point.longitude
    }
    /// GSS code of the council area it lies in, where known (for an
    /// outward code, the area most of its postcodes lie in).
    async fn area_code(&self) -> Option<&str> {
        self.0.area_code.as_deref()
    }
    /// The council area it lies in.
    async fn area(&self, ctx: &Context<'_>) -> GqlResult<Option<Area>> {
        Ok(area(ctx, self.0.area_code.as_deref()).await?.map(Area))
    }
    /// GSS code of the NHS health board it lies in, where known.
    async fn health_board_code(&self, ctx: &Context<'_>) -> GqlResult<Option<String>> {
        self.health_board_code_of(ctx).await
    }
    /// The NHS health board it lies in.
    async fn health_board(&self, ctx: &Context<'_>) -> GqlResult<Option<HealthBoard>> {
        let code = self.health_board_code_of(ctx).await?;
        health_board(ctx, code.as_deref()).await
    }
    /// The Health and Social Care Partnership covering it.
    async fn hscp_name(&self, ctx: &Context<'_>) -> GqlResult<Option<String>> {
        Ok(area(ctx, self.0.area_code.as_deref()).await?.and_then(|a| a.hscp_name))
    }
    /// GSS code of the council ward (full postcodes from Code-Point Open).
    async fn ward_code(&self) -> Option<&str> {
        self.0.ward_code.as_deref()
    }
}

impl Postcode {
    /// The board the postcode table gives, else the board of its council
    /// area (postcodes loaded without one, such as the demo venues').
    async fn health_board_code_of(&self, ctx: &Context<'_>) -> GqlResult<Option<String>> {
        if let Some(code) = &self.0.health_board_code {
            return Ok(Some(code.clone()));
        }
        Ok(area(ctx, self.0.area_code.as_deref())
            .await?
            .and_then(|a| a.health_board_code))
    }
}

/// Scotland drawn by its postcodes: the cells of a square grid that hold
/// postcode centroids, each with its council area. Drawn as squares they
/// give the outline of the country and of each area, with no map tiles.
pub struct Outline(std::sync::Arc<outline::Outline>);

/// Scotland drawn by its postcodes: the cells of a square grid that hold
/// postcode centroids, each with its council area. Drawn as squares they
/// give the outline of the country and of each area, with no map tiles.
#[Object]
impl Outline {
    /// The cell size asked for, in km.
    async fn cell_km(&self) -> f64 {
        self.0.cell_km
    }
    /// Height of a cell in degrees of latitude.
    async fn latitude_step(&self) -> f64 {
        self.0.latitude_step
    }
    /// Width of a cell in degrees of longitude (square at 57° N).
    async fn longitude_step(&self) -> f64 {
        self.0.longitude_step
    }
    /// Cells holding postcodes, south to north then west to east; a cell
    /// on a boundary appears once for each council area in it.
    async fn cells(&self) -> Vec<OutlineCell> {
        // Cheap: a few thousand small records cloned from the cache.
        self.0.cells.iter().cloned().map(OutlineCell).collect()
    }
}

/// One cell of an outline: a square holding postcodes of one council area.
pub struct OutlineCell(outline::Cell);

/// One cell of an outline: a square holding postcodes of one council area.
#[Object]
impl OutlineCell {
    /// The cell's row: its centre is `row × latitudeStep` degrees north.
    /// With `column`, the compact way to draw the grid.
    async fn row(&self) -> i32 {
        self.0.row
    }
    /// The cell's column: its centre is `column × longitudeStep` degrees
    /// east (negative: west).
    async fn column(&self) -> i32 {
        self.0.column
    }
    /// Latitude of the cell's centre.
    async fn latitude(&self) -> f64 {
        self.0.latitude
    }
    /// Longitude of the cell's centre.
    async fn longitude(&self) -> f64 {
        self.0.longitude
    }
    /// GSS code of the council area.
    async fn area_code(&self) -> &str {
        &self.0.area_code
    }
    /// How many of the area's postcodes lie in the cell.
    async fn postcodes(&self) -> i64 {
        self.0.postcodes
    }
}

/// Council areas, health boards and postcodes.
#[derive(Default)]
pub struct GeographyQuery;

#[Object]
impl GeographyQuery {
    /// Council areas and HSCPs (GSS codes) the data is organised by.
    async fn areas(&self, ctx: &Context<'_>) -> GqlResult<Vec<Area>> {
        Ok(areas::all_areas(db(ctx)?).await?.into_iter().map(Area).collect())
    }

    /// NHS Scotland's 14 territorial health boards, by name. Filter
    /// services, hubs and pathways by them with `healthBoardCodes`.
    async fn health_boards(&self, ctx: &Context<'_>) -> GqlResult<Vec<HealthBoard>> {
        Ok(areas::all_health_boards(db(ctx)?)
            .await?
            .into_iter()
            .map(HealthBoard)
            .collect())
    }

    /// Normalises a full postcode or an outward code (e.g. AB10) and returns
    /// its centroid and geography, or null when unknown. A full postcode not
    /// in the postcode table falls back to its outward code (`precision:
    /// OUTWARD`). A malformed code is BAD_USER_INPUT.
    async fn postcode(&self, ctx: &Context<'_>, code: String) -> GqlResult<Option<Postcode>> {
        let parsed = crate::services::postcode::Postcode::parse(&code)
            .map_err(|_| AppError::bad_input(&["code"], "not a UK postcode"))?;
        Ok(geo::find_postcode(db(ctx)?, &parsed).await?.map(Postcode))
    }

    /// Scotland and its council areas as the loaded postcodes draw them,
    /// for a map with no tile server: every grid cell of `cellKm` km that
    /// holds a postcode centroid. With only a few postcodes loaded it is a
    /// scatter rather than a shape. Computed once in a while per server,
    /// as postcodes change only on import. `cellKm` outside 1 to 50 is
    /// BAD_USER_INPUT.
    async fn outline(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Cell size in km, 1 to 50.", default = 5.0)] cell_km: f64,
    ) -> GqlResult<Outline> {
        let cache = ctx.data::<std::sync::Arc<outline::OutlineCache>>()?;
        Ok(Outline(cache.outline(db(ctx)?, cell_km, &["cellKm"]).await?))
    }
}
