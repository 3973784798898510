//! The names RF2 gives the extra columns of each kind of reference set file, for ECL member
//! filters (`{{ M mapTarget = "J45.9" }}`) and member-of with fields (`^ [targetComponentId]`).
//! The kind is the summary in the file's name (`der2_cRefset_AssociationSnapshot…` →
//! `Association`); the names are those of the RF2 specification's file layouts. Uses nothing.

/// The columns of an extended map (a complex map's are the first six).
const EXTENDED_MAP: &[&str] = &[
    "mapGroup",
    "mapPriority",
    "mapRule",
    "mapAdvice",
    "mapTarget",
    "correlationId",
    "mapCategoryId",
];

/// The extra column names of a reference set file of `kind`, in column order; `None` for a
/// kind not listed here.
pub fn names(kind: &str) -> Option<&'static [&'static str]> {
    Some(match kind {
        "Simple" => &[],
        "Language" => &["acceptabilityId"],
        "Association" => &["targetComponentId"],
        "AttributeValue" => &["valueId"],
        "SimpleMap" => &["mapTarget"],
        // An extended map is a complex map with one more column.
        "ComplexMap" => &EXTENDED_MAP[..6],
        "ExtendedMap" => EXTENDED_MAP,
        "OWLExpression" => &["owlExpression"],
        "ModuleDependency" => &["sourceEffectiveTime", "targetEffectiveTime"],
        "RefsetDescriptor" => &["attributeDescription", "attributeType", "attributeOrder"],
        "DescriptionType" => &["descriptionFormat", "descriptionLength"],
        "MRCMDomain" => &[
            "domainConstraint",
            "parentDomain",
            "proximalPrimitiveConstraint",
            "proximalPrimitiveRefinement",
            "domainTemplateForPrecoordination",
            "domainTemplateForPostcoordination",
            "guideURL",
        ],
        "MRCMAttributeDomain" => &[
            "domainId",
            "grouped",
            "attributeCardinality",
            "attributeInGroupCardinality",
            "ruleStrengthId",
            "contentTypeId",
        ],
        "MRCMAttributeRange" => &[
            "rangeConstraint",
            "attributeRule",
            "ruleStrengthId",
            "contentTypeId",
        ],
        "MRCMModuleScope" => &["mrcmRuleRefsetId"],
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_match_the_column_patterns() {
        // The pattern letters of each kind's file name count its extra columns.
        for (kind, pattern) in [
            ("Association", "c"),
            ("ExtendedMap", "iissscc"),
            ("ComplexMap", "iisssc"),
            ("MRCMAttributeDomain", "cisscc"),
            ("MRCMAttributeRange", "sscc"),
            ("ModuleDependency", "ss"),
        ] {
            assert_eq!(super::names(kind).unwrap().len(), pattern.len(), "{kind}");
        }
        assert!(super::names("SomethingLocal").is_none());
    }
}
