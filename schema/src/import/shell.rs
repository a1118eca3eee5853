//! Splitting a command line into words as a POSIX shell would, without running
//! anything: quotes and backslashes are understood, `${…}` is kept as one piece.

/// Split `s` into words, or say why it cannot be split (an unclosed quote).
pub(crate) fn split(s: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => word.push(c),
                        None => return Err(format!("unclosed `'` in `{s}`")),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(c @ ('"' | '\\' | '$' | '`')) => word.push(c),
                            Some('\n') => {}
                            Some(c) => {
                                word.push('\\');
                                word.push(c);
                            }
                            None => return Err(format!("unclosed `\"` in `{s}`")),
                        },
                        Some('$') if chars.peek() == Some(&'{') => braced(&mut chars, &mut word),
                        Some(c) => word.push(c),
                        None => return Err(format!("unclosed `\"` in `{s}`")),
                    }
                }
            }
            '\\' => {
                in_word = true;
                match chars.next() {
                    Some('\n') | None => {}
                    Some(c) => word.push(c),
                }
            }
            '$' if chars.peek() == Some(&'{') => {
                in_word = true;
                braced(&mut chars, &mut word);
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    Ok(words)
}

/// Copy `${…}` (the `$` already read) through its matching `}`, spaces included.
fn braced(chars: &mut std::iter::Peekable<std::str::Chars<'_>>, word: &mut String) {
    word.push('$');
    let mut depth = 0;
    for c in chars.by_ref() {
        word.push(c);
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return;
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::split;

    #[test]
    fn splits_like_a_shell() {
        let check = |s: &str, want: &[&str]| assert_eq!(split(s).unwrap(), want, "{s}");
        check("", &[]);
        check(
            "  logstash -f /a/b.config ",
            &["logstash", "-f", "/a/b.config"],
        );
        check(
            "--providers.docker --entrypoints.web.address=:80",
            &["--providers.docker", "--entrypoints.web.address=:80"],
        );
        check(
            r#"sh -c "echo 'hi there'""#,
            &["sh", "-c", "echo 'hi there'"],
        );
        check(r#"a\ b 'c\d' "e\"f""#, &["a b", r"c\d", "e\"f"]);
        check("echo ${A:-x y} z", &["echo", "${A:-x y}", "z"]);
        check("''", &[""]);
        assert!(split("echo 'open").is_err());
        assert!(split("echo \"open").is_err());
    }
}
