//! The wallet dump file of `dumpwallet` / `importwallet`, in MultiChain's (Bitcoin Core's)
//! text format, so a dump moves keys between this node and MultiChain either way:
//!
//! ```text
//! # Wallet dump created by MultiChain …
//! <WIF key> <creation time, 2026-12-06T04:12:45Z> label=<%-escaped label> # addr=<address>
//! <WIF key> <time> reserve=1 # addr=<address>      (a key of the key pool)
//! # End of dump
//! ```

/// One key line of a dump.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DumpedKey {
    pub wif: String,
    /// Creation time, seconds since 1970; 0 when the time does not read.
    pub created: u32,
    /// The address book label; `None` for a pool (`reserve=1`) or change (`change=1`) key.
    pub label: Option<String>,
}

/// What a dump says of the chain when it was made.
pub struct DumpHeader<'a> {
    pub client: &'a str,
    pub now: u32,
    pub tip_height: u32,
    pub tip_hash: &'a str,
    pub tip_time: u32,
}

/// One key to write: WIF, creation time, address, and whether it is a pool key.
pub struct KeyLine<'a> {
    pub wif: String,
    pub created: u32,
    pub address: String,
    pub label: Option<&'a str>,
}

/// The whole file, keys oldest first (then by address, as MultiChain orders by key hash).
pub fn write(header: &DumpHeader, mut keys: Vec<KeyLine>) -> String {
    keys.sort_by(|a, b| a.created.cmp(&b.created).then(a.address.cmp(&b.address)));
    let mut out = format!(
        "# Wallet dump created by MultiChain {}\n# * Created on {}\n# * Best block at time of backup was {} ({}),\n#   mined on {}\n\n",
        header.client,
        time_text(header.now),
        header.tip_height,
        header.tip_hash,
        time_text(header.tip_time)
    );
    for k in keys {
        let kind = match k.label {
            Some(label) => format!("label={}", escape(label)),
            None => "reserve=1".to_string(),
        };
        out.push_str(&format!(
            "{} {} {kind} # addr={}\n",
            k.wif,
            time_text(k.created),
            k.address
        ));
    }
    out.push_str("\n# End of dump\n");
    out
}

/// The key lines of a dump, read as MultiChain reads them: blank and `#` lines skipped, the
/// fields split at single spaces, lines of fewer than two fields skipped; the key is checked
/// by the caller.
pub fn read(text: &str) -> Vec<DumpedKey> {
    let mut keys = Vec::new();
    for line in text.lines() {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = line.split(' ').collect();
        if fields.len() < 2 {
            continue;
        }
        let mut label = Some(String::new());
        for field in &fields[2..] {
            if field.starts_with('#') {
                break;
            }
            if *field == "change=1" || *field == "reserve=1" {
                label = None;
            }
            if let Some(text) = field.strip_prefix("label=") {
                label = Some(unescape(text));
            }
        }
        keys.push(DumpedKey {
            wif: fields[0].to_string(),
            created: parse_time(fields[1]).unwrap_or(0),
            label,
        });
    }
    keys
}

/// `%XX` for bytes up to space, from 128, and `%` itself.
fn escape(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        if b <= 32 || b >= 128 || b == b'%' {
            out.push_str(&format!("%{b:02x}"));
        } else {
            out.push(b as char);
        }
    }
    out
}

fn unescape(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `YYYY-MM-DDTHH:MM:SSZ` in UTC.
pub fn time_text(t: u32) -> String {
    let days = (t / 86_400) as i64;
    let secs = t % 86_400;
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

fn parse_time(text: &str) -> Option<u32> {
    let b = text.as_bytes();
    if b.len() != 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[19] != b'Z' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| text.get(r)?.parse::<i64>().ok();
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, s) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || s > 59 {
        return None;
    }
    let t = days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + s;
    u32::try_from(t).ok()
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (
        if m <= 2 {
            yoe + era * 400 + 1
        } else {
            yoe + era * 400
        },
        m,
        d,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn times_read_and_write_as_multichain_writes_them() {
        assert_eq!(time_text(0), "1970-01-01T00:00:00Z");
        assert_eq!(time_text(1_796_532_252), "2026-12-06T04:44:12Z");
        assert_eq!(parse_time("2000-02-29T23:59:59Z"), Some(951_868_799));
        assert_eq!(parse_time("2026-13-01T00:00:00Z"), None);
        assert_eq!(parse_time("yesterday"), None);
    }

    proptest! {
        #[test]
        fn any_time_reads_back(t in any::<u32>()) {
            prop_assert_eq!(parse_time(&time_text(t)), Some(t));
        }

        #[test]
        fn any_label_reads_back(label in ".*") {
            prop_assert_eq!(unescape(&escape(&label)), label);
        }
    }

    #[test]
    fn a_dump_reads_back_keys_labels_and_pool_keys() {
        let header = DumpHeader {
            client: "2.3",
            now: 1_796_532_252,
            tip_height: 7,
            tip_hash: "00ab",
            tip_time: 1_796_532_250,
        };
        let text = write(
            &header,
            vec![
                KeyLine {
                    wif: "Kpool".into(),
                    created: 20,
                    address: "1b".into(),
                    label: None,
                },
                KeyLine {
                    wif: "Kfirst".into(),
                    created: 10,
                    address: "1a".into(),
                    label: Some("my plan 01%"),
                },
            ],
        );
        assert!(text.starts_with("# Wallet dump created by MultiChain 2.3\n"));
        assert!(text.contains("Kfirst 1970-01-01T00:00:10Z label=my%20plan%2001%25 # addr=1a\n"));
        assert!(text.ends_with("\n# End of dump\n"));
        assert_eq!(
            read(&text),
            [
                DumpedKey {
                    wif: "Kfirst".into(),
                    created: 10,
                    label: Some("my plan 01%".into())
                },
                DumpedKey {
                    wif: "Kpool".into(),
                    created: 20,
                    label: None
                },
            ]
        );
    }

    #[test]
    fn lines_multichain_skips_are_skipped() {
        let text = "# comment\n\nlonely\nK1 2026-12-06T04:44:12Z change=1 label=x # addr=1a\nK2 notatime\n";
        let keys = read(text);
        assert_eq!(keys.len(), 2);
        // A label after change=1 makes the key labelled again, as in MultiChain.
        assert_eq!(keys[0].label, Some("x".into()));
        assert_eq!(keys[1].created, 0);
        assert_eq!(keys[1].label, Some(String::new()));
    }
}
