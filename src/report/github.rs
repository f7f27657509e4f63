//! `--format github`: GitHub Actions workflow commands, one line per result
//! (`::error file=app.log,line=17,title=polled-after-success::...`), written to stdout where the
//! runner turns them into annotations. Errors become `::error`, warnings `::warning`, infos
//! `::notice`. The results are the ones [`super::ci`] chooses, in its order; unreadable inputs
//! and dropped events follow as annotations without a file.
//!
//! Escaping follows `@actions/core` (`command.ts`): in the message `%` `\r` `\n` become `%25`
//! `%0D` `%0A`; property values (`file`, `title`) also escape `:` and `,` (`%3A`, `%2C`). So no
//! file name or log text can end a command early or start another one.

use super::ci;
use super::Style;
use crate::analysis::Analysis;
use crate::model::Severity;
use std::io::{self, Write};

/// Escapes a workflow command's message.
pub(crate) fn data(s: &str) -> String {
    s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// Escapes a workflow command's property value.
pub(crate) fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

fn command(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "notice",
    }
}

/// Writes one workflow command per result.
pub fn render(a: &Analysis, style: Style<'_>, out: &mut dyn Write) -> io::Result<()> {
    for r in ci::results(a, style.root) {
        let mut props = Vec::new();
        if !r.location.path.is_empty() {
            props.push(format!("file={}", property(&r.location.path)));
            if r.location.line >= 1 {
                props.push(format!("line={}", r.location.line));
            }
        }
        props.push(format!("title={}", property(r.rule_id)));
        writeln!(
            out,
            "::{} {}::{}",
            command(r.severity),
            props.join(","),
            data(&r.message)
        )?;
    }
    for i in a.inputs.iter().filter(|i| i.error.is_some()) {
        writeln!(
            out,
            "::error title=unreadable-input::{}",
            data(&super::unreadable(
                &ci::shown_path(&i.path, style.root),
                i.error.as_deref()
            ))
        )?;
    }
    if let Some(note) = super::events_dropped(&a.limits) {
        writeln!(out, "::warning title=events-dropped::{}", data(&note))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_like_actions_core() {
        assert_eq!(data("100% done\r\nnext: a,b"), "100%25 done%0D%0Anext: a,b");
        assert_eq!(property("a:b,c%d\ne"), "a%3Ab%2Cc%25d%0Ae");
        // `%` first: an already escaped-looking text survives the round trip.
        assert_eq!(data("%0A"), "%250A");
    }
}
