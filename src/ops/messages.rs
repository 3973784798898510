//! The message catalogue: texts of the issues and messages the operations return, worded as
//! tx.fhir.org words them (FHIR validators and the terminology ecosystem's tests compare them
//! as text). One function per message, so a wording lives in one place.

/// A list as tx.fhir.org writes one: `a`, `a or b`, `a, b or c`.
fn either(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
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
) -> String {
    let head = format!("Wrong Display Name '{given}' for {system}#{code}.");
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
            wrong_display("X", "http://s", "c", &two, None, Some("Code1")),
            "Wrong Display Name 'X' for http://s#c. Valid display is one of 2 choices: 'Code1' (en) or 'Anzeige1' (de) (for the language(s) '--')"
        );
        assert_eq!(
            wrong_display("X", "http://s", "c", &[], Some("de"), Some("Code1")),
            "Wrong Display Name 'X' for http://s#c. There are no valid display names found for language(s) 'de'. Default display is 'Code1'"
        );
        assert_eq!(either(&["a".into(), "b".into(), "c".into()]), "a, b or c");
    }
}
