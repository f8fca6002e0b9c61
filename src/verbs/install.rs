//! The ways in beyond `safeop run`: shell init (`init`), multi-call shims (`shims`), shell
//! completions and manual pages.

use crate::app::{eprint, FAILED};
use crate::cli::Cli;
use crate::command;
use crate::error::Error;
use crate::policy::{Policy, Sources};
use crate::report::out;
use std::path::Path;

/// `completions SHELL`: clap_complete's script for safeop's verbs and options.
pub(crate) fn completions(shell: &str) -> Result<u8, Error> {
    use clap::CommandFactory;
    use clap_complete::Shell;
    let sh = match shell {
        "zsh" => Shell::Zsh,
        "fish" => Shell::Fish,
        _ => Shell::Bash,
    };
    let mut buf = Vec::new();
    clap_complete::generate(sh, &mut Cli::command(), "safeop", &mut buf);
    out::text(&String::from_utf8_lossy(&buf))?;
    Ok(0)
}

/// `man DIR`: safeop.1 and one page per verb (safeop-run.1, safeop-policy-lint.1 …).
pub(crate) fn man_pages(dir: &Path) -> Result<u8, Error> {
    use clap::CommandFactory;
    fn write(cmd: &clap::Command, name: &str, dir: &Path, n: &mut usize) -> Result<(), String> {
        let page = cmd
            .clone()
            .name(name.to_string())
            .display_name(name.replace('-', " "));
        let path = dir.join(format!("{name}.1"));
        let mut buf = Vec::new();
        clap_mangen::Man::new(page)
            .render(&mut buf)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        std::fs::write(&path, buf)
            .map_err(|e| format!("cannot write `{}`: {e}", path.display()))?;
        *n += 1;
        for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
            write(sub, &format!("{name}-{}", sub.get_name()), dir, n)?;
        }
        Ok(())
    }
    let mut cmd = Cli::command();
    cmd.build();
    let mut n = 0;
    let result = std::fs::create_dir_all(dir)
        .map_err(|e| format!("cannot create `{}`: {e}", dir.display()))
        .and_then(|_| write(&cmd, "safeop", dir, &mut n));
    match result {
        Ok(()) => {
            out::line(&format!("{n} manual pages in {}", dir.display()))?;
            Ok(0)
        }
        Err(e) => {
            eprint(&e);
            Ok(FAILED)
        }
    }
}

/// `shims install|list|remove` ([`crate::shims`]).
pub(crate) fn shims(sources: &Sources, v: crate::cli::ShimsVerb) -> Result<u8, Error> {
    use crate::cli::ShimsVerb;
    let done: Result<Vec<String>, String> = match v {
        ShimsVerb::Install { dir, tools } => {
            let tools = match tools {
                Some(t) => Ok(t),
                None => guarded_tool_names(sources),
            };
            tools.and_then(|t| crate::shims::install(&dir, &t)).map(|mut done| {
                let n = done.len();
                done.push(format!(
                    "{n} shims in {}: put it first on PATH (a crontab's `PATH=` line, /etc/environment, a service's Environment=PATH=) for commands aliases never see",
                    dir.display()
                ));
                done
            })
        }
        ShimsVerb::List { dir } => {
            crate::shims::list(&dir).map(|l| l.iter().map(|p| p.display().to_string()).collect())
        }
        ShimsVerb::Remove { dir } => crate::shims::remove(&dir)
            .map(|l| vec![format!("removed {} shims from {}", l.len(), dir.display())]),
    };
    match done {
        Ok(lines) => {
            for l in lines {
                out::line(&l)?;
            }
            Ok(0)
        }
        Err(e) => {
            eprint(&e);
            Ok(FAILED)
        }
    }
}

/// The names `init` aliases and `shims install` links: every tool safeop parses, the mkfs
/// variants, and every tool a policy layer in effect names (`match: { tool: crontab }`).
pub(crate) fn guarded_tool_names(sources: &Sources) -> Result<Vec<String>, String> {
    let mut tools: Vec<String> = command::TOOLS.iter().map(|t| t.to_string()).collect();
    tools.extend(
        [
            "mkfs.ext2",
            "mkfs.ext3",
            "mkfs.ext4",
            "mkfs.xfs",
            "mkfs.btrfs",
            "mkfs.vfat",
            "mkfs.fat",
            // Wrappers whose command a prompt would otherwise run unjudged.
            "find",
            "xargs",
        ]
        .map(String::from),
    );
    let p = Policy::load(sources).map_err(|e| e.to_string())?;
    for r in &p.rules {
        for t in &r.matches.tool.0 {
            let plain = !t.is_empty()
                && t.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "._+-".contains(c));
            if plain && !tools.contains(t) && t != "sudo" && !t.starts_with("safeop") {
                tools.push(t.clone());
            }
        }
    }
    Ok(tools)
}

/// Shell aliases for every guarded tool and every tool a policy layer in effect names, so that
/// what the policy guards is what the shell routes.
pub(crate) fn init(sources: &Sources, shell: &str) -> Result<u8, Error> {
    let tools = match guarded_tool_names(sources) {
        Ok(t) => t,
        Err(e) => {
            eprint(&e);
            return Ok(FAILED);
        }
    };
    out::line(&format!(
        "# safeop {}: route destructive commands through safeop",
        env!("CARGO_PKG_VERSION")
    ))?;
    out::line("# `command dd …` or `\\dd …` still reaches the raw tool.")?;
    for t in tools {
        match shell {
            "fish" => out::line(&format!(
                "function {t} --wraps {t}; command safeop {t} $argv; end"
            ))?,
            _ => out::line(&format!("alias {t}='safeop {t}'"))?,
        }
    }
    if shell != "fish" {
        out::line(
            "# let `sudo dd …` expand the alias too (safeop must be in sudo's secure_path):",
        )?;
        out::line("alias sudo='sudo '")?;
    }
    Ok(0)
}
