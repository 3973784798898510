//! The message catalogue: texts of the issues and messages the operations return, worded as
//! tx.fhir.org words them (FHIR validators and the terminology ecosystem's tests compare them
//! as text). One function per message, so a wording lives in one place.

/// tx.fhir.org's message ids, sent as the `operationoutcome-message-id` extension so a
/// validator can recognise a finding without parsing its text.
pub mod id {
    /// A code not in the value set.
    pub const NOT_IN_VALUE_SET: &str = "None_of_the_provided_codes_are_in_the_value_set_one";
    /// A wrong display.
    pub const WRONG_DISPLAY: &str = "Display_Name_for__should_be_one_of__instead_of";
    /// A display right but for its white space.
    pub const WRONG_DISPLAY_SPACING: &str = "Display_Name_WS_for__should_be_one_of__instead_of";
    /// A wrong display, and none in the requested languages.
    pub const WRONG_DISPLAY_NONE_FOR_LANGUAGE: &str = "NO_VALID_DISPLAY_FOUND_NONE_FOR_LANG_ERR";
    /// A display valid only in the default language, none in the requested ones.
    pub const DISPLAY_DEFAULT_LANGUAGE_ONLY: &str = "NO_VALID_DISPLAY_FOUND_NONE_FOR_LANG_OK";
    /// An inactive concept.
    pub const INACTIVE_CONCEPT: &str = "INACTIVE_CONCEPT_FOUND";
    /// An inactive concept where the value set wants active ones.
    pub const NOT_ACTIVE: &str = "STATUS_CODE_WARNING_CODE";
    /// A code the code system does not have.
    pub const UNKNOWN_CODE: &str = "Unknown_Code_in_Version";
    /// No code system could be inferred for a bare code.
    pub const CANNOT_INFER: &str = "UNABLE_TO_INFER_CODESYSTEM";
    /// Several of a value set's code systems hold a bare code.
    pub const CANNOT_INFER_SEVERAL: &str =
        "Unable_to_resolve_system__value_set_has_multiple_matches";
    /// A display that is an inactive term of the concept.
    pub const INACTIVE_DISPLAY: &str = "INACTIVE_DISPLAY_FOUND";
    /// A deprecated concept.
    pub const DEPRECATED_CONCEPT: &str = "DEPRECATED_CONCEPT_FOUND";
    /// A concept the value set marks deprecated.
    pub const DEPRECATED_IN_VALUE_SET: &str = "CONCEPT_DEPRECATED_IN_VALUESET";
    /// A code in another case than the code system writes it.
    pub const CODE_CASE_DIFFERENCE: &str = "CODE_CASE_DIFFERENCE";
    /// A code a fragment code system does not hold.
    pub const UNKNOWN_CODE_IN_FRAGMENT: &str = "UNKNOWN_CODE_IN_FRAGMENT";
    /// A code system that is not known.
    pub const UNKNOWN_CODE_SYSTEM: &str = "UNKNOWN_CODESYSTEM";
    /// A value set that is not known.
    pub const UNKNOWN_VALUE_SET: &str = "Unable_to_resolve_value_Set_";
    /// A coding without a system.
    pub const NO_SYSTEM: &str = "Coding_has_no_system__cannot_validate";
    /// A value set's URL given as the coding's system.
    pub const SYSTEM_IS_VALUE_SET: &str = "Terminology_TX_System_ValueSet2";
    /// A relative (local) system.
    pub const RELATIVE_SYSTEM: &str = "Terminology_TX_System_Relative";
    /// A supplement named as a coding's system.
    pub const SUPPLEMENT_AS_SYSTEM: &str = "CODESYSTEM_CS_NO_SUPPLEMENT";
    /// No coding of a CodeableConcept is in the value set.
    pub const NO_VALID_CODING: &str = "TX_GENERAL_CC_ERROR_MESSAGE";
    /// A code system version that is not known (some versions are).
    pub const UNKNOWN_CODE_SYSTEM_VERSION: &str = "UNKNOWN_CODESYSTEM_VERSION";
    /// A code system version that is not known, met while expanding.
    pub const UNKNOWN_CODE_SYSTEM_VERSION_EXPANDING: &str = "UNKNOWN_CODESYSTEM_VERSION_EXP";
    /// A code system version asked for when no version of the system is known.
    pub const UNKNOWN_CODE_SYSTEM_VERSION_NONE: &str = "UNKNOWN_CODESYSTEM_VERSION_NONE";
    /// The value set's include names another version of the code system than the coding.
    pub const VERSION_MISMATCH: &str = "VALUESET_VALUE_MISMATCH";
    /// The value set's versionless include (its default version) and the coding's version
    /// differ.
    pub const VERSION_MISMATCH_DEFAULT: &str = "VALUESET_VALUE_MISMATCH_DEFAULT";
    /// A code system version a `check-system-version` parameter does not allow.
    pub const VERSION_CHECK: &str = "VALUESET_VERSION_CHECK";
    /// A version parameter changed the version the value set's include means, and the
    /// coding's differs from it.
    pub const VERSION_MISMATCH_CHANGED: &str = "VALUESET_VALUE_MISMATCH_CHANGED";
    /// An abstract (not selectable) code where the request said `abstract=false`.
    pub const ABSTRACT_CODE: &str = "ABSTRACT_CODE_NOT_ALLOWED";
    /// A value set an expansion includes is not known in the version it is pinned to.
    pub const IMPORT_UNKNOWN_PINNED: &str = "VS_EXP_IMPORT_UNK_PINNED";

    /// A reference to a resource of this status (`draft`, `deprecated`, …).
    pub fn status(status: &str) -> &'static str {
        match status {
            "draft" => "MSG_DRAFT",
            "deprecated" => "MSG_DEPRECATED",
            "withdrawn" => "MSG_WITHDRAWN",
            "retired" => "MSG_RETIRED",
            _ => "MSG_EXPERIMENTAL",
        }
    }
}

/// A list as tx.fhir.org writes one: `a`, `a or b`, `a, b or c`.
fn either(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// A code that is not in the value set (with the display the request gave, when it gave one).
pub fn not_in_value_set(
    system: &str,
    code: &str,
    display: Option<&str>,
    value_set: &str,
) -> String {
    let shown = match display.filter(|d| !d.is_empty()) {
        Some(d) => format!("{system}#{code} ('{d}')"),
        None => format!("{system}#{code}"),
    };
    format!("The provided code '{shown}' was not found in the value set '{value_set}'")
}

/// A code the code system version does not hold; a SNOMED CT version also names its edition.
pub fn unknown_code(code: &str, system: &str, version: &str, edition: Option<&str>) -> String {
    let mut s = format!("Unknown code '{code}' in the CodeSystem '{system}' version '{version}'");
    if let Some(e) = edition {
        s.push_str(&format!(" ({e})"));
    }
    s
}

/// Why a SNOMED CT expression is not valid (a note beside the unknown-code error).
pub fn invalid_expression(reason: &str) -> String {
    format!("Not a valid expression: {reason}")
}

/// The note on a valid SNOMED CT expression: checked against the grammar and the concepts, not
/// the concept model.
pub fn expression_not_checked_against_mrcm() -> String {
    "The expression is grammatically correct and the concepts are valid, but the expression has not been checked against the SNOMED CT concept model (MRCM)".into()
}

/// A value set included by an expanded one, pinned (by the reference or by
/// `default-valueset-version`) to a version the server does not have.
pub fn import_unknown_pinned(url: &str, version: &str) -> String {
    format!("Unable to find included value set '{url}' version '{version}'")
}

/// A reference to a code system or value set of a status worth a warning.
pub fn reference_to(status: &str, kind: &str, uri: &str) -> String {
    format!("Reference to {status} {kind} {uri}")
}

/// An unpaged expansion larger than the limit: tx.fhir.org's sentence, then (after a line
/// break, which the OperationOutcome turns into its diagnostics) the size and the way forward.
pub fn too_costly(value_set: &str, total: usize, limit: usize) -> String {
    format!(
        "The value set '{value_set}' expansion has too many codes to produce (>{limit})\nIt has {total}; page with 'count' and 'offset', or narrow it with 'filter'"
    )
}

/// A code a fragment code system does not hold (it may be in another fragment).
pub fn unknown_code_in_fragment(code: &str, system: &str, version: &str) -> String {
    format!(
        "Unknown Code '{code}' in the CodeSystem '{system}' version '{version}' - note that the code system is labeled as a fragment, so the code may be valid in some other fragment"
    )
}

/// A code written in another case than a case-insensitive code system writes it.
pub fn code_case_difference(given: &str, right: &str, canonical: &str) -> String {
    format!(
        "The code '{given}' differs from the correct code '{right}' by case. Although the code system '{canonical}' is case insensitive, implementers are strongly encouraged to use the correct case anyway"
    )
}

/// No (single) code system of a value set holds a bare code.
pub fn cannot_infer(
    code: &str,
    value_set: &str,
    several: &[String],
    searched: &[String],
) -> String {
    let head = format!(
        "The System URI could not be determined for the code '{code}' in the ValueSet '{value_set}'"
    );
    if several.is_empty() {
        // None has it: the code systems looked in are named, so the caller can tell a
        // mistyped code from a value set of other systems.
        match searched {
            [] => head,
            [one] => format!("{head}; it is not a code of {one}"),
            many => format!("{head}; it is not a code of any of {}", many.join(", ")),
        }
    } else {
        format!(
            "{head}: value set expansion has multiple matches: [{}]",
            several.join(", ")
        )
    }
}

/// A display that is a term the concept no longer uses, with the current ones (quoted when
/// they hold a space, as tx.fhir.org writes them).
pub fn retired_display(given: &str, code: &str, status: &str, current: &[&str]) -> String {
    let list: Vec<String> = current
        .iter()
        .map(|t| {
            if t.contains(' ') {
                format!("\"{t}\"")
            } else {
                t.to_string()
            }
        })
        .collect();
    format!(
        "'{given}' is no longer considered a correct display for code '{code}' (status = {status}). The correct display is one of {}.",
        list.join(",")
    )
}

/// A concept whose status is deprecated.
pub fn deprecated_concept(code: &str) -> String {
    format!("The concept '{code}' is deprecated and its use should be reviewed")
}

/// A concept the value set marks deprecated.
pub fn deprecated_in_value_set(code: &str, system: &str, value_set: &str) -> String {
    format!(
        "The presence of the concept '{code}' in the system '{system}' in the value set {value_set} is marked with a status of deprecated and its use should be reviewed"
    )
}

/// A bare code without a system, and no value set to take one from.
pub fn code_without_system(code: &str) -> String {
    format!("Coding has no system, so code '{code}' cannot be validated")
}

/// A Coding without a system.
pub fn coding_without_system() -> String {
    "Coding has no system. A code with no system has no defined meaning, and it cannot be validated. A system should be provided".to_string()
}

/// A value set's URL given as a coding's system.
pub fn system_is_a_value_set(url: &str) -> String {
    format!("The Coding references a value set, not a code system ('{url}')")
}

/// A system that is not an absolute URI.
pub fn relative_system() -> String {
    "Coding.system must be an absolute reference, not a local reference".to_string()
}

/// No coding of a CodeableConcept is in the value set.
pub fn no_valid_coding(value_set: &str) -> String {
    format!("No valid coding was found for the value set '{value_set}'")
}

/// A supplement named where a code system belongs (`path`: the element, `Coding.system`).
pub fn supplement_as_system(canonical: &str, path: &str) -> String {
    format!("CodeSystem {canonical} is a supplement, so can't be used as a value in {path}")
}

/// A required code system supplement that is not known.
pub fn supplement_missing(url: &str) -> String {
    format!("Required supplement not found: {url}")
}

/// Why an expansion of a code system with a grammar is unclosed.
pub fn grammar_unclosed(system: &str) -> String {
    format!("The code System '{system}' has a grammar and so has infinite members")
}

/// Why an expansion over a fragment code system is unclosed.
pub fn fragment_unclosed(system: &str) -> String {
    format!("This extension is based on a fragment of the code system {system}")
}

/// A value set reaching itself again through its compose.
pub fn circular_value_set(target: &str, pathway: &[String]) -> String {
    format!(
        "Found a circularity pointing to {target} processing ValueSet with pathway [{}]",
        pathway.join(", ")
    )
}

/// A display offered as valid: `'term'`, with ` (lang)` when its language is known.
pub fn quoted_display(term: &str, language: Option<&str>) -> String {
    match language {
        Some(l) => format!("'{term}' ({l})"),
        None => format!("'{term}'"),
    }
}

/// The request's language preference as messages quote it (`--` for none).
fn languages(as_given: Option<&str>) -> &str {
    as_given.filter(|l| !l.trim().is_empty()).unwrap_or("--")
}

/// A display that is none of the concept's: the valid ones in the requested languages, or,
/// when there are none in those languages, the default display.
pub fn wrong_display(
    given: &str,
    system: &str,
    code: &str,
    valid: &[String],
    requested: Option<&str>,
    default_display: Option<&str>,
    only_spacing: bool,
) -> String {
    let head = if only_spacing {
        format!("Wrong whitespace in Display Name '{given}' for {system}#{code}.")
    } else {
        format!("Wrong Display Name '{given}' for {system}#{code}.")
    };
    if valid.is_empty() {
        return format!(
            "{head} There are no valid display names found for language(s) '{}'. Default display is '{}'",
            languages(requested),
            default_display.unwrap_or_default()
        );
    }
    let choices = match valid.len() {
        1 => String::new(),
        n => format!("one of {n} choices: "),
    };
    format!(
        "{head} Valid display is {choices}{} (for the language(s) '{}')",
        either(valid),
        languages(requested)
    )
}

/// A display valid only in the code system's default language, when the requested languages
/// have none.
pub fn display_only_in_default_language(
    system: &str,
    code: &str,
    requested: Option<&str>,
    given: &str,
) -> String {
    format!(
        "There are no valid display names found for the code {system}#{code} for language(s) '{}'. The display is '{given}' which is a valid display for the default language",
        languages(requested)
    )
}

/// An inactive concept (`status` is its status property when it has one: `retired`, …).
pub fn inactive_concept(code: &str, status: Option<&str>) -> String {
    let status = match status {
        Some(s) if s != "inactive" && s != "active" => format!("{s} and inactive"),
        _ => "inactive".to_string(),
    };
    format!("The concept '{code}' has a status of {status} and its use should be reviewed")
}

/// An abstract (grouping, not selectable) code where the request said `abstract=false`.
pub fn abstract_code(system: &str, code: &str) -> String {
    format!("Code '{system}#{code}' is abstract, and not allowed in this context")
}

/// The value set's include names version `in_vs` of `system`, the coding `in_value`.
pub fn version_mismatch(system: &str, in_vs: &str, in_value: &str) -> String {
    format!(
        "The code system '{system}' version '{in_vs}' in the ValueSet include is different to the one in the value ('{in_value}')"
    )
}

/// The value set's versionless include means version `default` of `system`; the coding names
/// `in_value`.
pub fn version_mismatch_default(system: &str, default: &str, in_value: &str) -> String {
    format!(
        "The code system '{system}' version '{default}' for the versionless include in the ValueSet include is different to the one in the value ('{in_value}')"
    )
}

/// A version parameter (`force-system-version`, `system-version`, `check-system-version`) made
/// the value set's include (version `in_vs`, empty when versionless) mean `changed`; the coding
/// names `in_value`.
pub fn version_mismatch_changed(
    system: &str,
    changed: &str,
    in_vs: &str,
    in_value: &str,
) -> String {
    format!(
        "The code system '{system}' version '{changed}' resulting from the version '{in_vs}' in the ValueSet include is different to the one in the value ('{in_value}')"
    )
}

/// An inactive concept in a value set that leaves inactive codes out.
pub fn valid_but_not_active(code: &str) -> String {
    format!("The concept '{code}' is valid but is not active")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrong_display_words_as_tx_fhir_org() {
        let two = [
            quoted_display("Code1", Some("en")),
            quoted_display("Anzeige1", Some("de")),
        ];
        assert_eq!(
            wrong_display("X", "http://s", "c", &two, None, Some("Code1"), false),
            "Wrong Display Name 'X' for http://s#c. Valid display is one of 2 choices: 'Code1' (en) or 'Anzeige1' (de) (for the language(s) '--')"
        );
        assert_eq!(
            wrong_display("X", "http://s", "c", &[], Some("de"), Some("Code1"), false),
            "Wrong Display Name 'X' for http://s#c. There are no valid display names found for language(s) 'de'. Default display is 'Code1'"
        );
        assert_eq!(either(&["a".into(), "b".into(), "c".into()]), "a, b or c");
    }
}
