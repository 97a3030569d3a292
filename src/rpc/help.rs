//! MultiChain's help texts (`help`, `help <command>`, and the text sent with a wrong
//! argument count). The texts are data in `help/texts.txt`; `help/categories.txt` orders the
//! listing.

use std::collections::HashMap;

const TEXTS: &str = include_str!("help/texts.txt");
const CATEGORIES: &str = include_str!("help/categories.txt");

pub struct HelpTexts {
    texts: HashMap<String, String>,
    listing: String,
}

/// Splits the data file into (command, raw text) blocks.
fn blocks() -> Vec<(&'static str, &'static str)> {
    let mut out = Vec::new();
    let mut rest = TEXTS;
    while let Some(start) = rest.find("@@@ ") {
        let after = &rest[start + 4..];
        let name_end = after.find('\n').unwrap_or(after.len());
        let name = &after[..name_end];
        let body_start = (name_end + 1).min(after.len());
        let body = &after[body_start..];
        let end = body.find("\n@@@ ").map(|i| i + 1).unwrap_or(body.len());
        let text = &body[..end];
        // Every block was written as text + "\n".
        out.push((name, text.strip_suffix('\n').unwrap_or(text)));
        rest = &body[end..];
    }
    out
}

impl HelpTexts {
    /// Texts for a chain: examples name the chain and its default RPC port.
    pub fn new(chain: &str, default_rpc_port: u16) -> Self {
        let texts: HashMap<String, String> = blocks()
            .into_iter()
            .map(|(name, text)| {
                let t = text
                    .replace("${CHAIN}", chain)
                    .replace("${RPCPORT}", &default_rpc_port.to_string())
                    .replace("${PASSPHRASE}", "");
                (name.to_string(), t)
            })
            .collect();
        let mut listing = String::new();
        let mut current = "";
        for line in CATEGORIES.lines() {
            let Some((category, command)) = line.split_once('\t') else {
                continue;
            };
            if category == "hidden" {
                continue;
            }
            let Some(text) = texts.get(command) else {
                continue;
            };
            if category != current {
                if !current.is_empty() {
                    listing.push('\n');
                }
                let mut title = category.to_string();
                title[..1].make_ascii_uppercase();
                listing.push_str(&format!("== {title} ==\n"));
                current = category;
            }
            listing.push_str(text.split('\n').next().unwrap_or(""));
            listing.push('\n');
        }
        listing.pop();
        HelpTexts { texts, listing }
    }

    /// `help <command>`: the text, MultiChain's "not found" text, or the unknown-command line.
    pub fn for_command(&self, command: &str) -> Option<&str> {
        self.texts.get(command).map(String::as_str)
    }

    pub fn listing(&self) -> &str {
        &self.listing
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listing_matches_golden_help() {
        let h = HelpTexts::new("testchain", 6298);
        let golden = include_str!("../../compat-tests/golden/multichain-2.3/37_help.txt");
        assert_eq!(h.listing(), golden.strip_suffix('\n').unwrap_or(golden));
    }

    #[test]
    fn command_help_fills_placeholders() {
        let h = HelpTexts::new("chain1", 1234);
        let g = h.for_command("grant").unwrap();
        assert!(g.starts_with("grant \"address(es)\" \"permission(s)\""));
        assert!(g.contains("> multichain-cli chain1 grant"));
        assert!(g.contains("http://127.0.0.1:1234"));
        assert!(!g.contains("${"));
        assert!(h.for_command("nosuch").is_none());
    }
}
