//! Well-known SNOMED CT concept ids, in one table, with a test that each is a valid concept
//! SCTID and that no two names share an id.

/// Root concept.
pub const ROOT: &str = "138875005";
/// |Is a|
pub const IS_A: &str = "116680003";
/// Fully specified name description type.
pub const FSN: &str = "900000000000003001";
/// Synonym description type.
pub const SYNONYM: &str = "900000000000013009";
/// Definition (text definition) description type.
pub const DEFINITION: &str = "900000000000550004";
/// Preferred acceptability.
pub const PREFERRED: &str = "900000000000548007";
/// Acceptable acceptability.
pub const ACCEPTABLE: &str = "900000000000549004";
/// en-GB language refset.
pub const LANG_GB: &str = "900000000000508004";
/// en-US language refset.
pub const LANG_US: &str = "900000000000509007";
/// Stated relationship characteristic.
pub const STATED: &str = "900000000000010007";
/// Inferred relationship characteristic.
pub const INFERRED: &str = "900000000000011006";
/// Additional relationship characteristic.
pub const ADDITIONAL: &str = "900000000000227009";
/// Primitive definition status.
pub const PRIMITIVE: &str = "900000000000074008";
/// Fully defined (sufficiently defined) definition status.
pub const DEFINED: &str = "900000000000073002";
/// International core module / International edition.
pub const CORE_MODULE: &str = "900000000000207008";
/// Model component module.
pub const MODEL_MODULE: &str = "900000000000012004";
/// Concept inactivation indicator refset.
pub const CONCEPT_INACTIVATION: &str = "900000000000489007";
/// Description inactivation indicator refset.
pub const DESCRIPTION_INACTIVATION: &str = "900000000000490003";
/// REPLACED BY association refset.
pub const REPLACED_BY: &str = "900000000000526001";
/// SAME AS association refset.
pub const SAME_AS: &str = "900000000000527005";
/// POSSIBLY EQUIVALENT TO association refset.
pub const POSSIBLY_EQUIVALENT_TO: &str = "900000000000523009";
/// ALTERNATIVE association refset.
pub const ALTERNATIVE: &str = "900000000000530003";
/// WAS A association refset.
pub const WAS_A: &str = "900000000000528000";
/// MOVED TO association refset.
pub const MOVED_TO: &str = "900000000000524003";
/// ICD-10 complex/extended map refset.
pub const ICD10_MAP: &str = "447562003";
/// Case insensitive (entire term).
pub const CASE_INSENSITIVE: &str = "900000000000448009";
/// Case sensitive (entire term).
pub const CASE_SENSITIVE: &str = "900000000000017005";
/// Initial character case insensitive (the rest of the term is case sensitive).
pub const INITIAL_CHARACTER_CASE_INSENSITIVE: &str = "900000000000020002";

/// Every id above with its name, for the distinctness test and for display fallbacks.
pub const ALL: &[(&str, &str)] = &[
    ("ROOT", ROOT),
    ("IS_A", IS_A),
    ("FSN", FSN),
    ("SYNONYM", SYNONYM),
    ("DEFINITION", DEFINITION),
    ("PREFERRED", PREFERRED),
    ("ACCEPTABLE", ACCEPTABLE),
    ("LANG_GB", LANG_GB),
    ("LANG_US", LANG_US),
    ("STATED", STATED),
    ("INFERRED", INFERRED),
    ("ADDITIONAL", ADDITIONAL),
    ("PRIMITIVE", PRIMITIVE),
    ("DEFINED", DEFINED),
    ("CORE_MODULE", CORE_MODULE),
    ("MODEL_MODULE", MODEL_MODULE),
    ("CONCEPT_INACTIVATION", CONCEPT_INACTIVATION),
    ("DESCRIPTION_INACTIVATION", DESCRIPTION_INACTIVATION),
    ("REPLACED_BY", REPLACED_BY),
    ("SAME_AS", SAME_AS),
    ("POSSIBLY_EQUIVALENT_TO", POSSIBLY_EQUIVALENT_TO),
    ("ALTERNATIVE", ALTERNATIVE),
    ("WAS_A", WAS_A),
    ("MOVED_TO", MOVED_TO),
    ("ICD10_MAP", ICD10_MAP),
    ("CASE_INSENSITIVE", CASE_INSENSITIVE),
    ("CASE_SENSITIVE", CASE_SENSITIVE),
    (
        "INITIAL_CHARACTER_CASE_INSENSITIVE",
        INITIAL_CHARACTER_CASE_INSENSITIVE,
    ),
];

/// Human name of a historical association refset, as FHIR `$validate-code` reports it.
pub fn association_name(refset: &str) -> Option<&'static str> {
    Some(match refset {
        REPLACED_BY => "REPLACED BY",
        SAME_AS => "SAME AS",
        POSSIBLY_EQUIVALENT_TO => "POSSIBLY EQUIVALENT TO",
        ALTERNATIVE => "ALTERNATIVE",
        WAS_A => "WAS A",
        MOVED_TO => "MOVED TO",
        _ => return None,
    })
}

/// The language refset for a BCP-47 tag: `en-GB`, `en-US`, or `xx-x-<refsetId>`.
pub fn language_refset(tag: &str) -> Option<String> {
    let lower = tag.trim().to_ascii_lowercase();
    if let Some((_, refset)) = lower.split_once("-x-") {
        return Some(refset.to_string());
    }
    match lower.as_str() {
        "en-gb" => Some(LANG_GB.into()),
        "en-us" | "en" => Some(LANG_US.into()),
        _ => None,
    }
}

/// The module of a SNOMED CT edition URI (`http://snomed.info/sct/{module}/version/{date}`,
/// or `xsct`), if it names one.
pub fn edition_module(uri: &str) -> Option<&str> {
    let rest = uri
        .strip_prefix("http://snomed.info/sct/")
        .or_else(|| uri.strip_prefix("http://snomed.info/xsct/"))?;
    let module = rest.split('/').next()?;
    (!module.is_empty() && module.bytes().all(|b| b.is_ascii_digit())).then_some(module)
}

/// The name of the edition whose module is `module`. An edition Concord has no name for is
/// named after the International Edition every edition extends, as tx.fhir.org names the HL7
/// test subontology's module (tx-ecosystem `snomed/validate-code-pc-bad1`).
pub fn edition_name(module: &str) -> &'static str {
    match module {
        "731000124108" => "US Edition",
        "83821000000107" => "UK Edition",
        "32506021000036107" => "Australian Edition",
        "20611000087101" => "Canadian Edition",
        "11000146104" => "Netherlands Edition",
        "45991000052106" => "Swedish Edition",
        "554471000005108" => "Danish Edition",
        "11000172109" => "Belgian Edition",
        "21000210109" => "New Zealand Edition",
        "449081005" => "Spanish Edition",
        _ => "International Edition",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn well_known_ids_are_distinct_valid_concept_ids() {
        let mut seen = std::collections::HashSet::new();
        for (name, id) in ALL {
            assert!(seen.insert(*id), "{name} repeats {id}");
            concord_loaders::rf2::sctid::check(
                id,
                Some(concord_loaders::rf2::sctid::Partition::Concept),
            )
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        }
    }

    #[test]
    fn language_tags_choose_refsets() {
        assert_eq!(language_refset("en-GB").as_deref(), Some(LANG_GB));
        assert_eq!(
            language_refset("en-x-999001261000000100").as_deref(),
            Some("999001261000000100")
        );
        assert_eq!(language_refset("fr"), None);
    }
}
