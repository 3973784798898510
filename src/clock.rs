//! Wall-clock stamps (RFC 3339 and compact forms) without a date crate: used by the import
//! (manifests, release directory names) and by the server (capability dates, expansion
//! timestamps). May use: nothing but `std`.

/// Current UTC time as RFC 3339.
pub fn now_rfc3339() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    let (y, mo, d, h, mi, s) = civil(secs);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
}

/// A UTC time as RFC 3339 with milliseconds, `2026-11-30T21:15:11.123Z`, held without an
/// allocation.
#[derive(Clone, Copy)]
pub struct Millis([u8; 24]);

impl Millis {
    /// The text.
    pub fn as_str(&self) -> &str {
        // Only ASCII digits and separators are ever written.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

/// Current UTC time as RFC 3339 with milliseconds (audit records).
pub fn now_rfc3339_millis() -> Millis {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    rfc3339_millis(now.as_secs(), now.subsec_millis())
}

fn rfc3339_millis(secs: u64, ms: u32) -> Millis {
    let (y, mo, d, h, mi, s) = civil(secs);
    // Digits written directly: this stamps every audit record, and `format!` with seven padded
    // fields was a measurable part of a record's cost.
    let mut out = [0u8; 24];
    let mut put = |at: usize, value: u64, width: usize| {
        let mut v = value;
        for i in (at..at + width).rev() {
            out[i] = b'0' + (v % 10) as u8;
            v /= 10;
        }
    };
    put(0, y as u64, 4);
    put(5, mo as u64, 2);
    put(8, d as u64, 2);
    put(11, h, 2);
    put(14, mi, 2);
    put(17, s, 2);
    put(20, u64::from(ms), 3);
    for (i, c) in [
        (4, b'-'),
        (7, b'-'),
        (10, b'T'),
        (13, b':'),
        (16, b':'),
        (19, b'.'),
        (23, b'Z'),
    ] {
        out[i] = c;
    }
    Millis(out)
}

/// HL7 v2 DTM `yyyymmddhhmmss+0000` (UTC), for MSH-7 of ACKs.
pub fn now_hl7() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    let (y, mo, d, h, mi, s) = civil(secs);
    format!("{y:04}{mo:02}{d:02}{h:02}{mi:02}{s:02}+0000")
}

/// `yyyymmddThhmmss` for directory names.
pub fn timestamp_compact(secs: u64) -> String {
    let (y, mo, d, h, mi, s) = civil(secs);
    format!("{y:04}{mo:02}{d:02}T{h:02}{mi:02}{s:02}")
}

/// Days-from-civil inverse (Howard Hinnant's algorithm), so no date crate is needed for stamps.
fn civil(secs: u64) -> (i64, u32, u32, u64, u64, u64) {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d, rem / 3600, rem % 3600 / 60, rem % 60)
}

#[cfg(test)]
mod tests {
    #[test]
    fn civil_dates() {
        assert_eq!(super::timestamp_compact(0), "19700101T000000");
        assert_eq!(super::timestamp_compact(1_795_000_000), "20261118T110640");
        assert_eq!(
            super::rfc3339_millis(0, 7).as_str(),
            "1970-01-01T00:00:00.007Z"
        );
        assert_eq!(
            super::rfc3339_millis(1_795_000_000, 999).as_str(),
            "2026-11-18T11:06:40.999Z"
        );
    }
}
