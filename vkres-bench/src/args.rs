//! The command line.

use std::path::PathBuf;

/// What to run and where to write it.
#[derive(Debug, Clone)]
pub struct Args {
    /// Small sizes and 2 runs: a smoke run of every way (CI), not numbers to quote.
    pub quick: bool,
    /// Counted runs per way, after `warmups`.
    pub runs: usize,
    /// Uncounted runs per way first.
    pub warmups: usize,
    /// Where to write the JSON results.
    pub json: Option<PathBuf>,
    /// Where to write the PNG of upload throughput against upload size.
    pub plot: Option<PathBuf>,
    /// Sections to run (all when empty): upload, gather, bundle, small, samplers, accel, frame,
    /// defrag, scene, derive.
    pub only: Vec<String>,
    /// Whether to time the incremental build of 50 derived structs (needs cargo and the source tree).
    pub derive_build: bool,
    /// Whether vkres's context opens a transfer queue where the device has one (off by default,
    /// as in vkres).
    pub transfer_queue: bool,
    /// Processes to run the program in, one after another, their JSON merged (1: this one).
    pub processes: usize,
}

/// The sections, in the order they run.
pub const SECTIONS: [&str; 11] =
    ["upload", "gather", "bundle", "small", "samplers", "accel", "frame", "defrag", "scene", "derive", "alias"];

pub const USAGE: &str = "\
usage: vkres-bench [--quick] [--runs N] [--warmups N] [--json PATH] [--plot PATH]
                   [--only SECTION,...] [--no-derive-build] [--transfer-queue] [--processes N]
  --quick            small sizes, 2 runs: a smoke run (under a minute on lavapipe)
  --runs N           counted runs per way (default 7; quick: 2)
  --warmups N        uncounted runs per way first (default 1)
  --json PATH        write the results as JSON
  --plot PATH        write a PNG of upload throughput against upload size (4 KiB to 1 GiB)
  --only LIST        run only these sections: upload,gather,bundle,small,samplers,accel,frame,
                     defrag,scene,derive,alias (gather: 1000 small staged uploads into device-local
                     buffers; alias: the cost of the recorder's transient-memory check per use)
  --no-derive-build  skip timing the incremental build of 50 derived structs
  --transfer-queue   vkres with ContextOptions::transfer_queue(true): large uploads copy on
                     a transfer-only queue family where the device has one
  --processes N      run the program N times, one process after another; print every target
                     of every process (met or missed in each) and write JSON whose figures are
                     the medians over the processes, with each target's figure per process
                     (ratios_per_process) and its highest (ratio_spread)
environment: VKRES_DEVICE=<index or name> picks the device (vkres and ash ways);
             VKRES_BENCH_WAY=N runs only way N of each section (a probe: count its
             instructions under callgrind, the difference of two --runs counts)";

impl Args {
    /// Parses `args` (without the program name).
    pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Self, String> {
        let mut out = Args {
            quick: false,
            runs: 0,
            warmups: 1,
            json: None,
            plot: None,
            only: Vec::new(),
            derive_build: true,
            transfer_queue: false,
            processes: 1,
        };
        let mut runs = None;
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
            match arg.as_str() {
                "--quick" => out.quick = true,
                "--runs" => runs = Some(number(&value("--runs")?)?.max(1)),
                "--warmups" => out.warmups = number(&value("--warmups")?)?,
                "--json" => out.json = Some(value("--json")?.into()),
                "--plot" => out.plot = Some(value("--plot")?.into()),
                "--only" => {
                    for section in value("--only")?.split(',') {
                        if !SECTIONS.contains(&section) {
                            return Err(format!("unknown section `{section}` (sections: {})", SECTIONS.join(",")));
                        }
                        out.only.push(section.to_string());
                    }
                }
                "--no-derive-build" => out.derive_build = false,
                "--transfer-queue" => out.transfer_queue = true,
                "--processes" => out.processes = number(&value("--processes")?)?.max(1),
                "-h" | "--help" => return Err(String::new()),
                other => return Err(format!("unknown argument `{other}`")),
            }
        }
        out.runs = runs.unwrap_or(if out.quick { 2 } else { 7 });
        Ok(out)
    }

    /// The arguments of one process of a `--processes` run: these, writing JSON to `json`, and
    /// (`first`) the plot and the derive's build timing, which the other processes skip.
    pub fn child_args(&self, json: &std::path::Path, first: bool) -> Vec<String> {
        let mut out = vec!["--runs".to_string(), self.runs.to_string(), "--warmups".into(), self.warmups.to_string()];
        out.extend(self.quick.then(|| "--quick".to_string()));
        out.extend(["--json".to_string(), json.display().to_string()]);
        if let Some(plot) = self.plot.as_ref().filter(|_| first) {
            out.extend(["--plot".to_string(), plot.display().to_string()]);
        }
        if !self.only.is_empty() {
            out.extend(["--only".to_string(), self.only.join(",")]);
        }
        out.extend((!self.derive_build || !first).then(|| "--no-derive-build".to_string()));
        out.extend(self.transfer_queue.then(|| "--transfer-queue".to_string()));
        out
    }

    /// Whether `section` runs.
    pub fn runs_section(&self, section: &str) -> bool {
        self.only.is_empty() || self.only.iter().any(|s| s == section)
    }
}

fn number(text: &str) -> Result<usize, String> {
    text.parse().map_err(|_| format!("`{text}` is not a number"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(line: &str) -> Result<Args, String> {
        Args::parse(line.split_whitespace().map(String::from))
    }

    #[test]
    fn defaults_and_quick() {
        let full = parse("").unwrap();
        assert_eq!((full.quick, full.runs, full.warmups, full.derive_build), (false, 7, 1, true));
        let quick = parse("--quick --json out.json --plot p.png").unwrap();
        assert_eq!((quick.quick, quick.runs), (true, 2));
        assert_eq!(quick.json.unwrap().to_str(), Some("out.json"));
        assert_eq!(parse("--quick --runs 5").unwrap().runs, 5);
    }

    #[test]
    fn sections_and_errors() {
        let args = parse("--only upload,accel").unwrap();
        assert!(args.runs_section("accel") && !args.runs_section("bundle"));
        assert!(parse("--only uploads").unwrap_err().contains("unknown section"));
        assert!(parse("--runs").unwrap_err().contains("needs a value"));
        assert!(parse("--runs x").unwrap_err().contains("not a number"));
        assert!(parse("--fast").unwrap_err().contains("unknown argument"));
    }

    #[test]
    fn processes_and_their_arguments() {
        let args = parse("--processes 9 --runs 5 --only small,accel --plot p.png --json all.json").unwrap();
        assert_eq!(args.processes, 9);
        let first = args.child_args(std::path::Path::new("p0.json"), true).join(" ");
        assert_eq!(first, "--runs 5 --warmups 1 --json p0.json --plot p.png --only small,accel");
        let other = args.child_args(std::path::Path::new("p1.json"), false).join(" ");
        assert_eq!(other, "--runs 5 --warmups 1 --json p1.json --only small,accel --no-derive-build");
        let back = Args::parse(other.split(' ').map(String::from)).unwrap();
        assert_eq!((back.processes, back.runs, back.derive_build), (1, 5, false));
        assert_eq!(parse("").unwrap().processes, 1);
    }
}
