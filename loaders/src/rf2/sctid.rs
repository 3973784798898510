//! SCTID structure: Verhoeff check digit and partition identifier.
//!
//! An SCTID is 6–18 digits: `item/namespace … partition(2) check(1)`. The partition's second
//! digit says what the id names (0 concept, 1 description, 2 relationship); the first says
//! short (0) or long, namespaced (1) form.

/// What kind of component an SCTID names, per its partition identifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Partition {
    /// `00` / `10`
    Concept,
    /// `01` / `11`
    Description,
    /// `02` / `12`
    Relationship,
}

const D: [[u8; 10]; 10] = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
    [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
    [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
    [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
    [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
    [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
    [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
    [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
    [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
];
const P: [[u8; 10]; 8] = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
    [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
    [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
    [9, 4, 5, 3, 1, 2, 6, 8, 7, 0],
    [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
    [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
    [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
];
const INV: [u8; 10] = [0, 4, 3, 2, 1, 5, 6, 7, 8, 9];

/// True when the last digit of `digits` is the Verhoeff check digit of the rest.
pub fn verhoeff_ok(digits: &str) -> bool {
    let mut c = 0u8;
    for (i, b) in digits.bytes().rev().enumerate() {
        if !b.is_ascii_digit() {
            return false;
        }
        c = D[c as usize][P[i % 8][(b - b'0') as usize] as usize];
    }
    c == 0
}

/// The Verhoeff check digit to append to `digits`.
pub fn verhoeff_digit(digits: &str) -> u8 {
    let mut c = 0u8;
    for (i, b) in digits.bytes().rev().enumerate() {
        c = D[c as usize][P[(i + 1) % 8][(b - b'0') as usize] as usize];
    }
    INV[c as usize]
}

/// Checks an SCTID's form, check digit and (when given) partition; returns a message on failure.
pub fn check(id: &str, expected: Option<Partition>) -> Result<u64, String> {
    let n = check_structure(id, expected)?;
    if !verhoeff_ok(id) {
        return Err(format!("SCTID {id} has a bad Verhoeff check digit"));
    }
    Ok(n)
}

/// The number an id written as 6-18 digits (no leading zero) stands for, with no other check:
/// what lenient imports of made-up ids accept.
pub fn digits(id: &str) -> Result<u64, String> {
    if id.len() < 6
        || id.len() > 18
        || !id.bytes().all(|b| b.is_ascii_digit())
        || id.starts_with('0')
    {
        return Err(format!(
            "'{id}' is not an SCTID (6-18 digits, no leading zero)"
        ));
    }
    id.parse::<u64>()
        .map_err(|_| format!("SCTID {id} does not fit in 64 bits"))
}

/// Like [`check`] without the check digit (for synthetic content with made-up ids); pass
/// `None` to skip the partition check too.
pub fn check_structure(id: &str, expected: Option<Partition>) -> Result<u64, String> {
    digits(id)?;
    let bytes = id.as_bytes();
    let (p1, p2) = (bytes[id.len() - 3], bytes[id.len() - 2]);
    let part = match (p1, p2) {
        (b'0' | b'1', b'0') => Partition::Concept,
        (b'0' | b'1', b'1') => Partition::Description,
        (b'0' | b'1', b'2') => Partition::Relationship,
        _ => {
            return Err(format!(
                "SCTID {id} has an unknown partition identifier {}{}",
                p1 as char, p2 as char
            ));
        }
    };
    if let Some(want) = expected
        && want != part
    {
        return Err(format!(
            "SCTID {id} has a {part:?} partition where a {want:?} id is required"
        ));
    }
    id.parse::<u64>()
        .map_err(|_| format!("SCTID {id} does not fit in 64 bits"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_ids_pass_and_bad_ones_fail() {
        for id in [
            "138875005",
            "404684003",
            "900000000000207008",
            "116680003",
            "2148514019",
        ] {
            assert!(verhoeff_ok(id), "{id}");
        }
        assert!(check("138875005", Some(Partition::Concept)).is_ok());
        assert!(check("138875006", None).unwrap_err().contains("Verhoeff"));
        assert!(
            check("2148514019", Some(Partition::Concept))
                .unwrap_err()
                .contains("partition")
        );
        assert_eq!(verhoeff_digit("13887500"), 5);
        // Every generated check digit validates (a wrong inverse table once broke half of them).
        for item in 100_000_000u64..100_002_000 {
            let base = item.to_string();
            assert!(
                verhoeff_ok(&format!("{base}{}", verhoeff_digit(&base))),
                "{base}"
            );
        }
    }
}
