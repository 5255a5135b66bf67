//! `mqscope completions SHELL` and `mqscope man`: the shell completion scripts and the
//! manual page, generated from the command line's own clap types, so they never fall behind
//! it. The packages ship both (`scripts/package.sh` runs these).

use std::io::Write;
use std::process::ExitCode;

use clap::CommandFactory as _;
use clap_complete::Shell;

use super::CliError;
use super::args::Cli;

/// Writes the completion script for `shell` (bash, zsh, fish, PowerShell, elvish).
pub fn completions(shell: Shell, out: &mut dyn Write) -> Result<ExitCode, CliError> {
    let mut cmd = Cli::command();
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut cmd, "mqscope", &mut buf);
    out.write_all(&buf).map_err(CliError::Output)?;
    Ok(ExitCode::SUCCESS)
}

/// Writes the manual page, section 1, with a section for each subcommand.
pub fn man(out: &mut dyn Write) -> Result<ExitCode, CliError> {
    let cmd = Cli::command();
    let mut buf = Vec::new();
    clap_mangen::Man::new(cmd.clone())
        .render(&mut buf)
        .map_err(CliError::Output)?;
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let name = sub.get_name();
        if name == "help" {
            continue;
        }
        buf.extend_from_slice(format!(".SH \"MQSCOPE {}\"\n", name.to_uppercase()).as_bytes());
        let sub = sub.clone().bin_name(format!("mqscope {name}"));
        let man = clap_mangen::Man::new(sub);
        let mut part = Vec::new();
        man.render_description_section(&mut part)
            .and_then(|()| man.render_synopsis_section(&mut part))
            .and_then(|()| man.render_options_section(&mut part))
            .map_err(CliError::Output)?;
        // The subcommand's own parts are subsections of its section.
        let part = String::from_utf8_lossy(&part).replace(".SH ", ".SS ");
        buf.extend_from_slice(part.as_bytes());
    }
    out.write_all(&buf).map_err(CliError::Output)?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(run: impl FnOnce(&mut Vec<u8>) -> Result<ExitCode, CliError>) -> String {
        let mut out = Vec::new();
        run(&mut out).expect("generated");
        String::from_utf8(out).expect("UTF-8")
    }

    #[test]
    fn every_shell_completes_the_subcommands_and_their_options() {
        for shell in [Shell::Bash, Shell::Zsh, Shell::Fish, Shell::PowerShell] {
            let script = text(|out| completions(shell, out));
            for word in [
                "sub", "pub", "record", "replay", "broker", "retain", "topic",
            ] {
                assert!(script.contains(word), "{shell}: no {word}");
            }
        }
    }

    #[test]
    fn the_manual_page_covers_the_window_options_and_each_subcommand() {
        let page = text(|out| man(out));
        assert!(
            page.starts_with(".ie") || page.contains(".TH mqscope 1"),
            "{page:.200}"
        );
        for section in [
            "MQSCOPE SUB",
            "MQSCOPE PUB",
            "MQSCOPE BROKER",
            "MQSCOPE REPLAY",
        ] {
            assert!(page.contains(section), "no {section}");
        }
        assert!(page.contains("screenshot"));
        assert!(!page.contains("MQSCOPE HELP"));
    }
}
