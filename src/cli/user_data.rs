//! The one reader of user-data files, for `plan`/`apply` (`--user-data`) and for the TUI's
//! form (its "from file" field, answered in `tui_files`).

use crate::fsio::{self, FileError, FileKind};
use crate::ops::UserData;
use std::path::{Path, PathBuf};

/// Reads a user-data file through the bounded reader: a regular file only (a FIFO or a
/// device is refused without blocking), at most [`FileKind::UserData`]'s cap, into memory
/// that is wiped. The bytes are kept as they are: what they may hold is ops's to check.
pub fn read_user_data(path: &Path) -> Result<UserData, FileError> {
    let mut bytes = fsio::read(path, FileKind::UserData)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string());
    Ok(UserData::file(name, std::mem::take(&mut *bytes)))
}

/// A path typed in a form field: a leading `~/` is the home directory (no shell expanded
/// it). Without a home directory the rest is taken as relative.
pub fn expand_home(path: &str, home: Option<&Path>) -> PathBuf {
    match path.strip_prefix("~/") {
        Some(rest) => home.map_or_else(|| rest.into(), |h| h.join(rest)),
        None => path.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tilde_is_the_home_directory_only_at_the_start() {
        let home = Path::new("/home/ann");
        assert_eq!(
            expand_home("~/init.sh", Some(home)),
            Path::new("/home/ann/init.sh")
        );
        assert_eq!(expand_home("a/~/b", Some(home)), Path::new("a/~/b"));
        assert_eq!(expand_home("~/init.sh", None), Path::new("init.sh"));
    }

    #[test]
    fn the_file_name_names_the_data() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("init.yaml");
        std::fs::write(&path, "#cloud-config\n").expect("write");
        let data = read_user_data(&path).expect("read");
        assert_eq!(
            data.source,
            crate::ops::UserDataSource::File {
                name: "init.yaml".into()
            }
        );
        assert_eq!(data.content.expose(), b"#cloud-config\n");
    }
}
