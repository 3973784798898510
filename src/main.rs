//! The `concord` binary: parses the command line and hands over to [`concord::cli`].

fn main() -> std::process::ExitCode {
    concord::cli::main()
}
