//! The rule data: the AADSTS catalog (`rules/aadsts/`) and the device-code-flow root causes
//! (`rules/causes/`). Built-in rules are compiled in; `--rules DIR` adds or replaces rules at run
//! time through the same loader.

use crate::model::{CauseId, Severity};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;
use std::sync::OnceLock;

pub mod client;
pub mod layout;

pub use client::ClientRule;
pub use layout::LayoutRule;

mod builtin {
    include!(concat!(env!("OUT_DIR"), "/builtin_rules.rs"));
}

pub(crate) use builtin::LAYOUT_HEADS;

/// A rule's area, used to group the catalog.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    /// Passwords, secrets, certificates, locked accounts.
    Credentials,
    /// MFA and Conditional Access.
    MfaConditionalAccess,
    /// OAuth device code flow states and errors.
    DeviceCodeFlow,
    /// App registrations, consent, permissions.
    ConsentAppRegistration,
    /// Refresh tokens, sessions, token lifetime.
    TokensSessions,
    /// Tenants, accounts, guests.
    TenantAccount,
    /// Federation and external identity providers.
    Federation,
    /// Rate limits.
    Throttling,
    /// Problems on Microsoft's side.
    ServiceSide,
    /// Malformed requests.
    RequestProtocol,
}

/// Who usually acts on a code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FixedBy {
    /// The person signing in.
    User,
    /// A tenant administrator.
    Admin,
    /// The application's developer.
    Developer,
    /// Microsoft (service side).
    Microsoft,
    /// A normal state: nobody needs to act.
    NotAnError,
}

impl FixedBy {
    /// The label used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            FixedBy::User => "user",
            FixedBy::Admin => "admin",
            FixedBy::Developer => "developer",
            FixedBy::Microsoft => "Microsoft",
            FixedBy::NotAnError => "not an error",
        }
    }
}

/// One likely cause of a code, with its fix.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodeCause {
    /// What happened.
    pub cause: String,
    /// What to change.
    pub fix: String,
}

/// Log lines that show (positive) or must not show (negative) a rule.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Examples {
    /// Lines that must yield the rule.
    #[serde(default)]
    pub positive: Vec<String>,
    /// Lines that must not.
    #[serde(default)]
    pub negative: Vec<String>,
}

/// One AADSTS code: `rules/aadsts/AADSTS<code>.toml`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodeRule {
    /// `AADSTS` plus digits.
    pub code: String,
    /// Microsoft's symbolic name, or empty.
    pub name: String,
    /// One-line meaning.
    pub summary: String,
    /// Area.
    pub category: Category,
    /// Who usually acts.
    pub fixed_by: FixedBy,
    /// A Conditional Access policy can raise this code.
    pub conditional_access: bool,
    /// How serious.
    pub severity: Severity,
    /// False for codes seen in real logs but missing from Microsoft's table.
    #[serde(default = "yes")]
    pub documented: bool,
    /// Likely causes, each with its fix.
    #[serde(default)]
    pub causes: Vec<CodeCause>,
    /// Example lines, which the tests check. Read from rule files; the built-in catalog leaves
    /// them out (see `build.rs`), so they are empty there.
    #[serde(default)]
    pub examples: Examples,
}

fn yes() -> bool {
    true
}

impl CodeRule {
    /// The numeric code.
    pub fn number(&self) -> u32 {
        self.code[6..].parse().unwrap_or(0)
    }

    /// Microsoft's page for the code.
    pub fn docs_url(&self) -> String {
        docs_url(self.number())
    }

    /// The first fix to try, if the rule has causes.
    pub fn first_fix(&self) -> Option<&str> {
        self.causes.first().map(|c| c.fix.as_str())
    }
}

/// Microsoft's error lookup page for a code.
pub fn docs_url(code: u32) -> String {
    format!("https://login.microsoftonline.com/error?code={code}")
}

/// One root cause: `rules/causes/<id>.toml`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CauseRule {
    /// Kebab-case id, as in `findings[].cause`; only a cause aadlint detects loads.
    pub id: CauseId,
    /// Replaces the cause's own severity (the one its detector declares) when given.
    #[serde(default)]
    pub severity: Option<Severity>,
    /// One line.
    pub title: String,
    /// What aadlint looks for.
    pub what_it_does: String,
    /// Why it breaks sign-in.
    pub why_it_matters: String,
    /// What to change.
    pub fix: String,
    /// A log excerpt that shows it.
    pub example: String,
    /// Codes that usually come with it.
    #[serde(default)]
    pub related_codes: Vec<String>,
}

/// A rule file that could not be loaded: `path:line:column: what is wrong`.
#[derive(Debug)]
pub struct RuleError {
    /// The file.
    pub path: String,
    /// 1-based line and column, when known.
    pub position: Option<(usize, usize)>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.position {
            Some((line, col)) => write!(f, "{}:{line}:{col}: {}", self.path, self.message),
            None => write!(f, "{}: {}", self.path, self.message),
        }
    }
}

impl std::error::Error for RuleError {}

/// All rules, keyed by code number and by cause id.
#[derive(Clone, Debug, Default)]
pub struct Catalog {
    /// AADSTS codes by number.
    pub codes: BTreeMap<u32, CodeRule>,
    /// Root causes by id.
    pub causes: BTreeMap<CauseId, CauseRule>,
    /// Log layouts by name.
    pub layouts: BTreeMap<String, LayoutRule>,
    /// Client shapes by id.
    pub clients: BTreeMap<String, ClientRule>,
    /// Rules replaced or added by `--rules`.
    pub overridden: Vec<String>,
}

impl Catalog {
    /// The rules compiled into the binary (parsed once).
    pub fn builtin() -> &'static Catalog {
        static CATALOG: OnceLock<Catalog> = OnceLock::new();
        CATALOG.get_or_init(|| Catalog {
            layouts: Catalog::builtin_layouts().clone(),
            clients: Catalog::builtin_clients().clone(),
            ..Catalog::parse_builtin(|kind| kind != "layout" && kind != "client")
        })
    }

    /// The log layouts compiled into the binary, parsed once apart from the other rules: the
    /// scanner compiles them while the rest of the catalog is parsed (1.2 ms at every start).
    pub fn builtin_layouts() -> &'static BTreeMap<String, LayoutRule> {
        static LAYOUTS: OnceLock<BTreeMap<String, LayoutRule>> = OnceLock::new();
        LAYOUTS.get_or_init(|| Catalog::parse_builtin(|kind| kind == "layout").layouts)
    }

    /// The client shapes compiled into the binary, parsed once apart from the other rules, as
    /// [`Catalog::builtin_layouts`] are.
    pub fn builtin_clients() -> &'static BTreeMap<String, ClientRule> {
        static CLIENTS: OnceLock<BTreeMap<String, ClientRule>> = OnceLock::new();
        CLIENTS.get_or_init(|| Catalog::parse_builtin(|kind| kind == "client").clients)
    }

    /// The built-in rules of the kinds `wanted` takes.
    fn parse_builtin(wanted: impl Fn(&str) -> bool) -> Catalog {
        let mut catalog = Catalog::default();
        for (path, kind, json) in builtin::BUILTIN.iter().filter(|(_, kind, _)| wanted(kind)) {
            parse_builtin(path, kind, json)
                .and_then(|rule| catalog.insert(rule, path, false))
                .unwrap_or_else(|e| panic!("built-in rule is invalid (the meta-test catches this): {e}"));
        }
        catalog
    }

    /// The built-in rules plus every `*.toml` under `dir`, which add or replace rules.
    pub fn with_overrides(dir: &Path) -> Result<Catalog, RuleError> {
        let mut catalog = Catalog::builtin().clone();
        let mut files = Vec::new();
        collect_toml(dir, &mut files).map_err(|e| RuleError {
            path: dir.display().to_string(),
            position: None,
            message: e.to_string(),
        })?;
        files.sort();
        for file in files {
            let shown = file.display().to_string();
            let text = read_rule_file(&file).map_err(|message| RuleError {
                path: shown.clone(),
                position: None,
                message,
            })?;
            catalog.add(&shown, &text, true)?;
        }
        Ok(catalog)
    }

    /// Parses one rule file and adds it. The kind of rule is told by its fields: a file with
    /// `code` is a catalog entry, a file with `id` a root cause, a file with `layout` a log layout, a file with `client` a client shape.
    pub fn add(&mut self, path: &str, text: &str, is_override: bool) -> Result<(), RuleError> {
        let rule = parse_rule(path, text)?;
        self.insert(rule, path, is_override)
    }

    fn insert(&mut self, rule: Rule, path: &str, is_override: bool) -> Result<(), RuleError> {
        match rule {
            Rule::Code(rule) => {
                let n = rule.number();
                if is_override {
                    self.overridden.push(rule.code.clone());
                } else if self.codes.contains_key(&n) {
                    return Err(RuleError {
                        path: path.to_string(),
                        position: None,
                        message: format!("duplicate code {}", rule.code),
                    });
                }
                self.codes.insert(n, rule);
            }
            Rule::Cause(rule) => {
                if is_override {
                    self.overridden.push(rule.id.to_string());
                }
                self.causes.insert(rule.id, rule);
            }
            Rule::Client(rule) => {
                if is_override {
                    self.overridden.push(rule.client.clone());
                }
                self.clients.insert(rule.client.clone(), rule);
            }
            Rule::Layout(rule) => {
                let rule = *rule;
                if is_override {
                    self.overridden.push(rule.layout.clone());
                }
                self.layouts.insert(rule.layout.clone(), rule);
            }
        }
        Ok(())
    }

    /// Whether the catalog marks `code` as one a Conditional Access policy raises.
    pub fn is_conditional_access(&self, code: u32) -> bool {
        self.codes.get(&code).is_some_and(|r| r.conditional_access)
    }

    /// Looks up `AADSTS90120`, `90120`, a symbolic name (`InvalidDeviceFlowRequest`) or a cause
    /// id, case-insensitively.
    pub fn lookup(&self, query: &str) -> Option<RuleRef<'_>> {
        let q = query.trim();
        let digits = q
            .strip_prefix("AADSTS")
            .or_else(|| q.strip_prefix("aadsts"))
            .unwrap_or(q);
        if let Ok(n) = digits.parse::<u32>() {
            return self.codes.get(&n).map(RuleRef::Code);
        }
        if let Some(rule) = CauseId::parse(q).and_then(|id| self.causes.get(&id)) {
            return Some(RuleRef::Cause(rule));
        }
        self.codes
            .values()
            .find(|r| !r.name.is_empty() && r.name.eq_ignore_ascii_case(q))
            .map(RuleRef::Code)
    }
}

/// A rule found by [`Catalog::lookup`].
#[derive(Clone, Copy, Debug)]
pub enum RuleRef<'a> {
    /// An AADSTS code.
    Code(&'a CodeRule),
    /// A root cause.
    Cause(&'a CauseRule),
}

/// A parsed rule file.
enum Rule {
    Code(CodeRule),
    Cause(CauseRule),
    Layout(Box<LayoutRule>),
    Client(ClientRule),
}

/// Parses and checks one rule file (its TOML is read once; a field error is read again for its
/// position).
fn parse_rule(path: &str, text: &str) -> Result<Rule, RuleError> {
    let err = |position, message: String| RuleError {
        path: path.to_string(),
        position,
        message,
    };
    let located = |e: toml::de::Error| err(e.span().map(|s| line_col(text, s.start)), e.message().to_string());
    let table: toml::Table = toml::from_str(text).map_err(located)?;
    let rule = if table.contains_key("code") {
        Rule::Code(table.try_into().map_err(|_| {
            toml::from_str::<CodeRule>(text)
                .err()
                .map_or_else(|| err(None, "invalid rule".into()), located)
        })?)
    } else if table.contains_key("id") {
        Rule::Cause(table.try_into().map_err(|_| {
            toml::from_str::<CauseRule>(text)
                .err()
                .map_or_else(|| err(None, "invalid rule".into()), located)
        })?)
    } else if table.contains_key("client") {
        Rule::Client(table.try_into().map_err(|_| {
            toml::from_str::<ClientRule>(text)
                .err()
                .map_or_else(|| err(None, "invalid rule".into()), located)
        })?)
    } else if table.contains_key("layout") {
        Rule::Layout(Box::new(table.try_into().map_err(|_| {
            toml::from_str::<LayoutRule>(text)
                .err()
                .map_or_else(|| err(None, "invalid rule".into()), located)
        })?))
    } else {
        return Err(err(
            Some((1, 1)),
            "a rule needs `code` (catalog entry), `id` (root cause), `layout` (log layout) or `client` (client shape)"
                .into(),
        ));
    };
    check(path, rule, true)
}

/// Parses and checks one built-in rule, which the build turned into JSON (see `build.rs`).
fn parse_builtin(path: &str, kind: &str, json: &str) -> Result<Rule, RuleError> {
    let rule = match kind {
        "code" => serde_json::from_str(json).map(Rule::Code),
        "layout" => serde_json::from_str(json).map(|r| Rule::Layout(Box::new(r))),
        "client" => serde_json::from_str(json).map(Rule::Client),
        _ => serde_json::from_str(json).map(Rule::Cause),
    };
    let rule = rule.map_err(|e| RuleError {
        path: path.to_string(),
        position: None,
        message: e.to_string(),
    })?;
    check(path, rule, false)
}

/// What the fields alone do not say: a code's form, a cause's id (its file name) and its fix; a
/// layout's pattern is compiled only when `patterns` is set (rules from `--rules`).
fn check(path: &str, rule: Rule, patterns: bool) -> Result<Rule, RuleError> {
    let stem = Path::new(path).file_stem().and_then(|s| s.to_str()).unwrap_or("");
    let problem = match &rule {
        Rule::Code(code) => validate_code(code, stem).err(),
        Rule::Cause(cause) if cause.id.as_str() != stem => {
            Some(format!("id {:?} must equal the file name {stem:?}", cause.id.as_str()))
        }
        Rule::Cause(cause) if cause.fix.trim().is_empty() => Some("fix is empty".into()),
        Rule::Cause(_) => None,
        Rule::Layout(layout) if patterns => layout.validate(stem).err(),
        Rule::Layout(layout) => layout.validate_fields(stem).err(),
        Rule::Client(client) => client.validate(stem).err(),
    };
    match problem {
        Some(message) => Err(RuleError {
            path: path.to_string(),
            position: None,
            message,
        }),
        None => Ok(rule),
    }
}

fn validate_code(rule: &CodeRule, stem: &str) -> Result<(), String> {
    let digits = rule.code.strip_prefix("AADSTS").unwrap_or("");
    if !(5..=7).contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("code {:?} is not AADSTS followed by 5 to 7 digits", rule.code));
    }
    if rule.code != stem {
        return Err(format!("code {:?} must equal the file name {stem:?}", rule.code));
    }
    if rule.summary.trim().is_empty() {
        return Err("summary is empty".into());
    }
    if let Some(c) = rule.causes.iter().find(|c| c.fix.trim().is_empty()) {
        return Err(format!("cause {:?} has no fix", c.cause));
    }
    Ok(())
}

/// The most bytes a rule file given with `--rules` may hold.
pub const MAX_RULE_FILE: u64 = 1 << 20;

/// The text of a rule file: only a regular file (a link to one is followed) of at most
/// [`MAX_RULE_FILE`] bytes is read, so a FIFO cannot block the run nor a device fill memory; and
/// only text without control characters (but line ends and tabs).
fn read_rule_file(path: &Path) -> Result<String, String> {
    use std::io::Read;
    let meta = std::fs::metadata(path).map_err(|e| e.to_string())?;
    if !meta.is_file() {
        return Err("not a regular file (a FIFO, a device or a socket): not read".into());
    }
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let mut bytes = Vec::new();
    file.take(MAX_RULE_FILE + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| e.to_string())?;
    if bytes.len() as u64 > MAX_RULE_FILE {
        return Err(format!("larger than {} KiB: not a rule file", MAX_RULE_FILE >> 10));
    }
    let text = String::from_utf8(bytes).map_err(|_| "not UTF-8 text".to_string())?;
    // Rule text reaches terminals and CI logs: an escape byte (`\u001b` in a TOML string) could
    // drive them. The parse error of a file that is not TOML comes later, with its position.
    fn control(value: &toml::Value) -> Option<char> {
        match value {
            toml::Value::String(s) => s.chars().find(|&c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')),
            toml::Value::Array(a) => a.iter().find_map(control),
            toml::Value::Table(t) => t
                .iter()
                .find_map(|(k, v)| k.chars().find(|c| c.is_control()).or_else(|| control(v))),
            _ => None,
        }
    }
    match toml::from_str::<toml::Table>(&text)
        .ok()
        .and_then(|t| control(&toml::Value::Table(t)))
    {
        Some(c) => Err(format!("holds the control character {}: not read", c.escape_unicode())),
        None => Ok(text),
    }
}

fn collect_toml(dir: &Path, out: &mut Vec<std::path::PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        // `secrets/` holds the redactor's secret shapes, which `--rules` does not change.
        if path.is_dir() && path.file_name().is_some_and(|n| n == "secrets") {
            continue;
        }
        if path.is_dir() {
            collect_toml(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "toml") {
            out.push(path);
        }
    }
    Ok(())
}

/// 1-based line and column of a byte offset (rule files here, config and baseline files in
/// `config`).
pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text.as_bytes()[..offset.min(text.len())];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let col = before.iter().rev().take_while(|&&b| b != b'\n').count() + 1;
    (line, col)
}
