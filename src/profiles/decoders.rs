//! Decoder rules files: the Decoders window exports a connection's rules as a JSON list of
//! `{"filter": …, "decoder": …}`, and imports one; `mqscope sub --decoders FILE` reads the
//! same file.

use std::path::{Path, PathBuf};

use super::file::PendingWrite;
use crate::model::decode::rules::DecoderRule;

/// Largest rules file read (a list of rules is a few kilobytes).
const MOST_FILE_BYTES: u64 = 4 << 20;

/// Why a rules file could not be read, in words.
#[derive(Debug, thiserror::Error)]
pub enum RulesFileError {
    #[error("{} could not be read: {source}", .path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{} is {size} bytes, more than a rules file holds ({} MiB)", .path.display(), MOST_FILE_BYTES >> 20)]
    TooBig { path: PathBuf, size: u64 },
    #[error(
        "{} is not a decoder rules file (a JSON list of {{\"filter\": …, \"decoder\": …}}): {source}",
        .path.display()
    )]
    Parse {
        path: PathBuf,
        source: serde_json::Error,
    },
}

/// The rules in the file at `path` (blocking: a job's thread or the command line).
pub fn read_rules(path: &Path) -> Result<Vec<DecoderRule>, RulesFileError> {
    let read = |source| RulesFileError::Read {
        path: path.to_path_buf(),
        source,
    };
    let size = std::fs::metadata(path).map_err(read)?.len();
    if size > MOST_FILE_BYTES {
        return Err(RulesFileError::TooBig {
            path: path.to_path_buf(),
            size,
        });
    }
    let text = std::fs::read(path).map_err(read)?;
    serde_json::from_slice(&text).map_err(|source| RulesFileError::Parse {
        path: path.to_path_buf(),
        source,
    })
}

/// `rules` as a rules file to write at `path` (on a job's thread).
pub fn rules_file(path: &Path, rules: &[DecoderRule]) -> Result<PendingWrite, String> {
    PendingWrite::json(0, path.to_path_buf(), &rules)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_go_out_and_come_back_and_bad_files_say_why() {
        let dir = std::env::temp_dir().join(format!("mqscope-rules-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("rules.json");
        let rules = vec![
            DecoderRule::new("plant/+/raw", "binary:f32le[]"),
            DecoderRule::new("plant/#", "gzip+json"),
        ];
        rules_file(&path, &rules).unwrap().write().unwrap();
        assert_eq!(read_rules(&path).unwrap(), rules);

        std::fs::write(&path, b"{\"host\": 1}").unwrap();
        let e = read_rules(&path).unwrap_err().to_string();
        assert!(e.contains("is not a decoder rules file"), "{e}");
        let e = read_rules(&dir.join("gone.json")).unwrap_err().to_string();
        assert!(e.contains("gone.json could not be read"), "{e}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
