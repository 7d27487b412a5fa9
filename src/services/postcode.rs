//! UK postcodes as people type them: parsing, validating and normalising.
//! Pure functions; looking a postcode up is someone else's job.
//!
//! A postcode is an outward code (area and district, e.g. `AB10`, `EH1`, `W1A`)
//! and an inward code (sector digit and unit letters, e.g. `1AA`). The check is
//! the shape only, so a well-formed postcode that does not exist still parses.

use std::fmt;
use std::str::FromStr;

/// Longer input is not a postcode however it is spaced, and is not worth scanning.
const MAX_INPUT_CHARS: usize = 16;
/// The longest postcode without spaces: `AA9A9AA` or `AA999AA`.
const MAX_COMPACT_LEN: usize = 7;
/// Letters never used in the unit part of an inward code.
const EXCLUDED_UNIT_LETTERS: &[u8] = b"CIKMOV";
/// Girobank's postcode, the one that fits no pattern.
const GIROBANK: (&str, &str) = ("GIR", "0AA");

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Postcode {
    Full { outward: String, inward: String },
    Outward(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PostcodeError {
    NotAPostcode,
}

impl fmt::Display for PostcodeError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PostcodeError::NotAPostcode => formatter.write_str("not a UK postcode"),
        }
    }
}

impl std::error::Error for PostcodeError {}

impl Postcode {
    /// Parses a full postcode ("ab101aa", " AB10  1aa ") or an outward code ("ab10", "EH1", "G2") in any case and spacing.
    ///
    /// A space inside an outward-only code is rejected: "EH1 1" is a full postcode
    /// cut short, not the district EH11, and guessing would find the wrong place.
    pub fn parse(text: &str) -> Result<Postcode, PostcodeError> {
        if text.chars().count() > MAX_INPUT_CHARS {
            return Err(PostcodeError::NotAPostcode);
        }
        let compact: String = text
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_uppercase();
        if compact.len() > MAX_COMPACT_LEN || !compact.bytes().all(|byte| byte.is_ascii_alphanumeric()) {
            return Err(PostcodeError::NotAPostcode);
        }
        if let Some(full) = full_postcode(&compact) {
            return Ok(full);
        }
        let spaced_inside = text.trim().contains(char::is_whitespace);
        if is_outward(&compact) && !spaced_inside {
            return Ok(Postcode::Outward(compact));
        }
        Err(PostcodeError::NotAPostcode)
    }

    /// Normalised text: "AB10 1AA" or "AB10".
    pub fn normalized(&self) -> String {
        match self {
            Postcode::Full { outward, inward } => format!("{outward} {inward}"),
            Postcode::Outward(outward) => outward.clone(),
        }
    }

    pub fn outward(&self) -> &str {
        match self {
            Postcode::Full { outward, .. } => outward,
            Postcode::Outward(outward) => outward,
        }
    }
}

impl fmt::Display for Postcode {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.normalized())
    }
}

impl FromStr for Postcode {
    type Err = PostcodeError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Postcode::parse(text)
    }
}

/// `compact` (uppercase, no spaces, ASCII alphanumeric) split into outward and
/// inward codes, when it is a full postcode. The inward code is always the last three.
fn full_postcode(compact: &str) -> Option<Postcode> {
    let (outward, inward) = compact.split_at_checked(compact.len().checked_sub(3)?)?;
    let well_formed = is_outward(outward) && is_inward(inward);
    (well_formed || (outward, inward) == GIROBANK).then(|| Postcode::Full {
        outward: outward.to_owned(),
        inward: inward.to_owned(),
    })
}

/// Area of one or two letters, then a district: a digit and optionally a digit or letter.
/// Shapes A9, A99, A9A, AA9, AA99, AA9A; and GIR, the outward part of Girobank's postcode.
fn is_outward(code: &str) -> bool {
    let bytes = code.as_bytes();
    let area_len = bytes.iter().take_while(|byte| byte.is_ascii_uppercase()).count();
    let district_ok = match &bytes[area_len..] {
        [digit] => digit.is_ascii_digit(),
        [digit, second] => digit.is_ascii_digit() && (second.is_ascii_digit() || second.is_ascii_uppercase()),
        _ => false,
    };
    ((1..=2).contains(&area_len) && district_ok) || code == GIROBANK.0
}

/// A sector digit and two unit letters, none of C I K M O V.
fn is_inward(code: &str) -> bool {
    match code.as_bytes() {
        [sector, units @ ..] if units.len() == 2 => sector.is_ascii_digit() && units.iter().all(is_unit_letter),
        _ => false,
    }
}

fn is_unit_letter(byte: &u8) -> bool {
    byte.is_ascii_uppercase() && !EXCLUDED_UNIT_LETTERS.contains(byte)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn normalized(text: &str) -> Result<String, PostcodeError> {
        Postcode::parse(text).map(|postcode| postcode.normalized())
    }

    #[test]
    fn full_postcodes_are_normalised() {
        for (input, expected) in [
            ("ab101aa", "AB10 1AA"),
            (" AB10  1aa ", "AB10 1AA"),
            ("EH1 1YZ", "EH1 1YZ"),
            ("g2 3ab", "G2 3AB"),
            ("w1a 1aa", "W1A 1AA"),
            ("ZE2 9XN", "ZE2 9XN"),
            ("KA13 6PQ", "KA13 6PQ"),
            ("EC1A1BB", "EC1A 1BB"),
            ("iv2\t3xy", "IV2 3XY"),
            ("gir 0aa", "GIR 0AA"),
        ] {
            assert_eq!(normalized(input).as_deref(), Ok(expected), "{input:?}");
        }
    }

    #[test]
    fn full_postcode_splits_into_outward_and_inward() {
        let expected = Postcode::Full {
            outward: "AB10".to_owned(),
            inward: "1AA".to_owned(),
        };
        assert_eq!(Postcode::parse("ab101aa"), Ok(expected));
    }

    #[test]
    fn outward_codes_are_normalised() {
        assert_eq!(Postcode::parse("ka13"), Ok(Postcode::Outward("KA13".to_owned())));
        assert_eq!(Postcode::parse(" ZE2 "), Ok(Postcode::Outward("ZE2".to_owned())));
        for (input, expected) in [
            ("ab10", "AB10"),
            ("EH1", "EH1"),
            ("G2", "G2"),
            ("w1a", "W1A"),
            ("EC1A", "EC1A"),
        ] {
            assert_eq!(normalized(input).as_deref(), Ok(expected), "{input:?}");
        }
    }

    #[test]
    fn outward_is_the_outward_code_of_either_form() {
        assert_eq!(
            Postcode::parse("eh11ab").map(|postcode| postcode.outward().to_owned()),
            Ok("EH1".to_owned())
        );
        assert_eq!(
            Postcode::parse("eh11").map(|postcode| postcode.outward().to_owned()),
            Ok("EH11".to_owned())
        );
    }

    #[test]
    fn an_outward_code_parses_again_from_any_postcode() {
        for input in ["AB10 1AA", "W1A 1AA", "GIR 0AA", "G2"] {
            let outward = Postcode::parse(input).map(|postcode| postcode.outward().to_owned());
            let reparsed = outward.and_then(|outward| Postcode::parse(&outward));
            assert!(matches!(reparsed, Ok(Postcode::Outward(_))), "{input:?}");
        }
    }

    #[test]
    fn partial_inward_codes_are_rejected() {
        for input in ["KA13 6", "EH1 1", "AB10 1A", "E H1"] {
            assert_eq!(Postcode::parse(input), Err(PostcodeError::NotAPostcode), "{input:?}");
        }
    }

    #[test]
    fn things_that_are_not_postcodes_are_rejected() {
        for input in [
            "",
            " ",
            "12345",
            "AB10 1CA",
            "AB10 1AI",
            "'; DROP TABLE",
            "'; DROP TABLE services; --",
            "AB10 1AAA",
            "AB1001AA",
            "ABC1 1AA",
            "A 1AA",
            "1AB 1AA",
            "AB10-1AA",
            "AB10 1AA🙂",
            "🙂",
            "ÄB10 1AA",
            "EH",
            "EH123",
            "AB10                1AA",
        ] {
            assert_eq!(Postcode::parse(input), Err(PostcodeError::NotAPostcode), "{input:?}");
        }
    }

    #[test]
    fn error_reads_as_a_sentence() {
        assert_eq!(PostcodeError::NotAPostcode.to_string(), "not a UK postcode");
    }

    #[test]
    fn display_and_from_str_round_trip() {
        let postcode: Result<Postcode, _> = "eh1 1yz".parse();
        assert_eq!(postcode.map(|postcode| postcode.to_string()), Ok("EH1 1YZ".to_owned()));
    }
}
