use std::process::ExitCode;

fn main() -> ExitCode {
    // Like any Unix filter: a closed pipe (`safeop check … | head`) ends safeop quietly.
    // SAFETY: setting a signal disposition before any thread starts.
    unsafe {
        nix::libc::signal(nix::libc::SIGPIPE, nix::libc::SIG_DFL);
    }
    let args: Vec<String> = std::env::args_os()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    safeop::main(args)
}
