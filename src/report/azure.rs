//! `--format azure`: Azure Pipelines logging commands, one line per result
//! (`##vso[task.logissue type=error;sourcepath=app.log;linenumber=17;code=polled-after-success]...`).
//! Azure knows only `error` and `warning`: info results are written as warnings whose message
//! starts with `info: `. The results are the ones [`super::ci`] chooses, in its order;
//! unreadable inputs and dropped events follow as issues without a file.
//!
//! Escaping follows `azure-pipelines-task-lib` (`taskcommand.ts`): in the message `%` `\r` `\n`
//! become `%AZP25` `%0D` `%0A`; property values also escape `;` and `]` (`%3B`, `%5D`). The agent
//! takes the first `]` as the end of the properties, so none can appear in them.

use super::ci;
use super::Style;
use crate::analysis::Analysis;
use crate::model::Severity;
use std::io::{self, Write};

/// Escapes a logging command's message.
pub(crate) fn data(s: &str) -> String {
    s.replace('%', "%AZP25").replace('\r', "%0D").replace('\n', "%0A")
}

/// Escapes a logging command's property value.
pub(crate) fn property(s: &str) -> String {
    data(s).replace(';', "%3B").replace(']', "%5D")
}

/// Writes one `task.logissue` command per result.
pub fn render(a: &Analysis, style: Style<'_>, out: &mut dyn Write) -> io::Result<()> {
    for r in ci::results(a, style.root) {
        let (kind, prefix) = match r.severity {
            Severity::Error => ("error", ""),
            Severity::Warning => ("warning", ""),
            Severity::Info => ("warning", "info: "),
        };
        let mut props = vec![format!("type={kind}")];
        if !r.location.path.is_empty() {
            props.push(format!("sourcepath={}", property(&r.location.path)));
            if r.location.line >= 1 {
                props.push(format!("linenumber={}", r.location.line));
            }
        }
        props.push(format!("code={}", property(r.rule_id)));
        writeln!(
            out,
            "##vso[task.logissue {}]{}",
            props.join(";"),
            data(&format!("{prefix}{}", r.message))
        )?;
    }
    for i in a.inputs.iter().filter(|i| i.error.is_some()) {
        writeln!(
            out,
            "##vso[task.logissue type=error;code=unreadable-input]{}",
            data(&super::unreadable(
                &ci::shown_path(&i.path, style.root),
                i.error.as_deref()
            ))
        )?;
    }
    if let Some(note) = super::events_dropped(&a.limits) {
        writeln!(
            out,
            "##vso[task.logissue type=warning;code=events-dropped]{}",
            data(&note)
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_like_the_task_lib() {
        assert_eq!(data("100% ; ] \r\n"), "100%AZP25 ; ] %0D%0A");
        assert_eq!(property("a;b]c%d\ne"), "a%3Bb%5Dc%AZP25d%0Ae");
        assert_eq!(data("%3B"), "%AZP253B");
    }
}
