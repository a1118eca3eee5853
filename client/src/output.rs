//! Printing: data on stdout (text or JSON), messages on stderr, colours only
//! on a terminal and never with `NO_COLOR`.
//!
//! The pure helpers (`problem_line`, `table`, `truncate`, `upgrade_path`,
//! `human_bytes`) take the colour choice and width as arguments so that they
//! can be tested without a terminal.

use crate::cli::OutputFormat;
use crate::error::{causes, Error};
use anstyle::{AnsiColor, Style};
use serde::Serialize;
use souk_schema::Problem;
use std::borrow::Cow;
use std::ffi::OsStr;
use std::io::{IsTerminal, Write};

/// `error:` labels.
pub const ERROR: Style = AnsiColor::Red.on_default().bold();
/// `warning:` labels.
pub const WARNING: Style = AnsiColor::Yellow.on_default().bold();
/// `hint:` labels.
pub const HINT: Style = AnsiColor::Cyan.on_default().bold();
/// Headers and names.
pub const BOLD: Style = Style::new().bold();
/// Secondary text: dates, digests.
pub const DIM: Style = Style::new().dimmed();
/// Marks such as `yanked`.
pub const MARK: Style = AnsiColor::Yellow.on_default();

/// Should a stream be coloured? Only a terminal, and not when `NO_COLOR` is set
/// to anything but the empty string (<https://no-color.org>), nor for `TERM=dumb`.
pub fn colors_wanted(is_terminal: bool, no_color: Option<&OsStr>, term: Option<&OsStr>) -> bool {
    is_terminal
        && no_color.is_none_or(|v| v.is_empty())
        && term.is_none_or(|t| t != OsStr::new("dumb"))
}

/// `text` in `style` when `color`, else as it is.
pub fn paint(color: bool, style: Style, text: &str) -> String {
    if color {
        format!("{style}{text}{style:#}")
    } else {
        text.to_string()
    }
}

/// Where and how a command prints.
#[derive(Debug, Clone)]
pub struct Printer {
    format: OutputFormat,
    stdout_color: bool,
    stderr_color: bool,
    stderr_terminal: bool,
    width: Option<usize>,
}

impl Printer {
    /// A printer for this process's stdout and stderr.
    pub fn new(format: OutputFormat) -> Self {
        let no_color = std::env::var_os("NO_COLOR");
        let term = std::env::var_os("TERM");
        let stdout_terminal = std::io::stdout().is_terminal();
        let stderr_terminal = std::io::stderr().is_terminal();
        // A table fits the terminal; piped, it is cut only if `COLUMNS` says so.
        let width = if stdout_terminal {
            console::Term::stdout()
                .size_checked()
                .map(|(_, w)| usize::from(w))
        } else {
            None
        }
        .or_else(|| std::env::var("COLUMNS").ok()?.parse().ok());
        Printer {
            format,
            stdout_color: colors_wanted(stdout_terminal, no_color.as_deref(), term.as_deref()),
            stderr_color: colors_wanted(stderr_terminal, no_color.as_deref(), term.as_deref()),
            stderr_terminal,
            width,
        }
    }

    /// A printer with fixed settings, for tests.
    pub fn plain(format: OutputFormat, width: Option<usize>) -> Self {
        Printer {
            format,
            stdout_color: false,
            stderr_color: false,
            stderr_terminal: false,
            width,
        }
    }

    pub fn is_json(&self) -> bool {
        self.format == OutputFormat::Json
    }

    /// The width to fit tables to, if known.
    pub fn width(&self) -> Option<usize> {
        self.width
    }

    /// Whether stdout is coloured.
    pub fn stdout_color(&self) -> bool {
        self.stdout_color
    }

    /// Whether stderr is coloured.
    pub fn stderr_color(&self) -> bool {
        self.stderr_color
    }

    /// Whether a progress bar may be drawn: stderr is a terminal and the
    /// output is for people.
    pub fn show_progress(&self) -> bool {
        self.stderr_terminal && !self.is_json()
    }

    /// `text` styled for stdout.
    pub fn out_style(&self, style: Style, text: &str) -> String {
        paint(self.stdout_color, style, text)
    }

    /// `text` styled for stderr.
    pub fn err_style(&self, style: Style, text: &str) -> String {
        paint(self.stderr_color, style, text)
    }

    /// Lines of data on stdout.
    pub fn data(&self, text: &str) -> Result<(), Error> {
        let mut out = std::io::stdout().lock();
        writeln!(out, "{text}")
            .and_then(|()| out.flush())
            .map_err(Error::Stdout)
    }

    /// A value as pretty JSON on stdout.
    pub fn json(&self, value: &impl Serialize) -> Result<(), Error> {
        let text = serde_json::to_string_pretty(value).expect("JSON values always serialise");
        self.data(&text)
    }

    /// A message for people on stderr.
    pub fn status(&self, message: &str) {
        eprintln!("{message}");
    }

    /// `warning: …` on stderr.
    pub fn warning(&self, message: &str) {
        eprintln!("{}: {message}", self.err_style(WARNING, "warning"));
    }

    /// `hint: …` on stderr.
    pub fn hint(&self, message: &str) {
        eprintln!("{}: {message}", self.err_style(HINT, "hint"));
    }

    /// Report a failed command: the problems it found, one `error:` line with
    /// its causes, then hints, all on stderr; with `--output json`, also the
    /// error object on stdout.
    pub fn report(&self, err: &Error) {
        if let Error::Stdout(e) = err {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                return; // `souk search | head`: the reader has all it wanted
            }
        }
        if self.is_json() {
            let _ = self.json(&err.to_json());
        }
        let mut stderr = std::io::stderr().lock();
        for problem in err.problems() {
            let _ = writeln!(stderr, "{}", problem_line(&problem, self.stderr_color));
        }
        let mut causes = causes(err).into_iter();
        if let Some(top) = causes.next() {
            let _ = writeln!(stderr, "{}: {top}", self.err_style(ERROR, "error"));
        }
        for cause in causes {
            let _ = writeln!(stderr, "  {}: {cause}", self.err_style(BOLD, "caused by"));
        }
        for hint in err.hints() {
            let _ = writeln!(stderr, "{}: {hint}", self.err_style(HINT, "hint"));
        }
    }
}

/// `error: PATH: MESSAGE` (or `error: MESSAGE` for a problem of the whole package).
pub fn problem_line(problem: &Problem, color: bool) -> String {
    let label = paint(color, ERROR, "error");
    if problem.path.is_empty() {
        format!("{label}: {}", problem.message)
    } else {
        format!(
            "{label}: {}: {}",
            paint(color, BOLD, &problem.path),
            problem.message
        )
    }
}

/// `1 problem`, `3 problems`.
pub fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("{n} {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// The display width of `text` (a CJK character takes two columns).
pub fn width_of(text: &str) -> usize {
    console::measure_text_width(text)
}

/// `text` cut to `width` columns, ending with `…` when cut.
pub fn truncate(text: &str, width: usize) -> Cow<'_, str> {
    if width_of(text) <= width {
        Cow::Borrowed(text)
    } else if width == 0 {
        Cow::Borrowed("")
    } else {
        console::truncate_str(text, width, "…")
    }
}

/// A table with a header, columns two spaces apart; the last column is cut to
/// fit `max_width` (but keeps at least 10 columns).
pub fn table(
    header: &[&str],
    rows: &[Vec<String>],
    max_width: Option<usize>,
    color: bool,
) -> Vec<String> {
    let columns = header.len();
    let mut widths: Vec<usize> = header.iter().map(|h| width_of(h)).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate().take(columns) {
            widths[i] = widths[i].max(width_of(cell));
        }
    }
    let fixed: usize = widths[..columns - 1].iter().map(|w| w + 2).sum();
    let last_width = max_width.map(|m| m.saturating_sub(fixed).max(10));
    let render = |cells: &[String], header: bool| {
        let mut line = String::new();
        for (i, cell) in cells.iter().enumerate().take(columns) {
            let last = i == columns - 1;
            let text = match (last, last_width) {
                (true, Some(w)) => truncate(cell, w),
                _ => Cow::Borrowed(cell.as_str()),
            };
            let pad = if last {
                0
            } else {
                widths[i] - width_of(&text) + 2
            };
            if header {
                line.push_str(&paint(color, BOLD, &text));
            } else {
                line.push_str(&text);
            }
            line.push_str(&" ".repeat(pad));
        }
        line.trim_end().to_string()
    };
    let header: Vec<String> = header.iter().map(|h| h.to_string()).collect();
    std::iter::once(render(&header, true))
        .chain(rows.iter().map(|r| render(r, false)))
        .collect()
}

/// `1.0.0 → 1.1.0 → 2.0.0`: the installed version (if any), then each step.
pub fn upgrade_path<V: std::fmt::Display>(from: Option<&V>, path: &[V]) -> String {
    from.into_iter()
        .chain(path.iter())
        .map(|v| v.to_string())
        .collect::<Vec<_>>()
        .join(" → ")
}

/// `512 B`, `12.3 KiB`, `4.0 MiB`.
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut value = n as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_only_on_a_terminal_without_no_color() {
        let set = Some(OsStr::new("1"));
        let empty = Some(OsStr::new(""));
        let dumb = Some(OsStr::new("dumb"));
        let xterm = Some(OsStr::new("xterm-256color"));
        assert!(colors_wanted(true, None, xterm));
        assert!(colors_wanted(true, empty, None));
        assert!(!colors_wanted(true, set, xterm));
        assert!(!colors_wanted(false, None, xterm));
        assert!(!colors_wanted(true, None, dumb));
    }

    #[test]
    fn problems_read_like_compiler_errors() {
        let p = Problem::new("components[0].ports[1].port", "must be between 1 and 65535");
        assert_eq!(
            problem_line(&p, false),
            "error: components[0].ports[1].port: must be between 1 and 65535"
        );
        assert_eq!(
            problem_line(&Problem::new("", "`x` is not referenced"), false),
            "error: `x` is not referenced"
        );
        let coloured = problem_line(&p, true);
        assert!(coloured.contains("\u{1b}["), "{coloured:?}");
        assert!(coloured.ends_with("must be between 1 and 65535"));
    }

    #[test]
    fn truncation_counts_display_columns() {
        assert_eq!(truncate("short", 10), "short");
        assert_eq!(truncate("exactly10!", 10), "exactly10!");
        assert_eq!(truncate("a longer sentence", 8), "a longe…");
        // Each of these characters is two columns wide.
        let cut = truncate("智慧物流与仓储解决方案", 9);
        assert!(width_of(&cut) <= 9, "{cut}");
        assert!(cut.ends_with('…'));
        assert_eq!(truncate("abc", 0), "");
    }

    #[test]
    fn tables_align_by_display_width_and_cut_the_last_column() {
        let rows = vec![
            vec![
                "acme/smart-warehouse".into(),
                "1.2.0".into(),
                "智慧物流 — Monitors goods across the chain".into(),
            ],
            vec!["acme/x".into(), "0.1.0".into(), "X".into()],
        ];
        let lines = table(&["NAME", "VERSION", "SUMMARY"], &rows, Some(50), false);
        assert_eq!(
            lines,
            vec![
                "NAME                  VERSION  SUMMARY",
                "acme/smart-warehouse  1.2.0    智慧物流 — Monitor…",
                "acme/x                0.1.0    X",
            ]
        );
        assert!(lines.iter().all(|l| width_of(l) <= 50));
        let unlimited = table(&["NAME", "VERSION", "SUMMARY"], &rows, None, false);
        assert!(unlimited[1].ends_with("across the chain"));
    }

    #[test]
    fn upgrade_paths_start_at_the_installed_version() {
        let path = ["1.1.0", "2.0.0"];
        assert_eq!(upgrade_path(Some(&"1.0.0"), &path), "1.0.0 → 1.1.0 → 2.0.0");
        assert_eq!(upgrade_path(None, &["2.0.0"]), "2.0.0");
    }

    #[test]
    fn sizes_are_binary_units() {
        assert_eq!(human_bytes(0), "0 B");
        assert_eq!(human_bytes(1023), "1023 B");
        assert_eq!(human_bytes(1536), "1.5 KiB");
        assert_eq!(human_bytes(20 * 1024 * 1024), "20.0 MiB");
    }
}
