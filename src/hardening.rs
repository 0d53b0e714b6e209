//! Process-level protection of the secrets reimage holds in memory (secret keys, admin
//! passwords, user data): no core file, and no attaching by other processes of the user.

/// Mark the process non-dumpable: the kernel then writes no core file for it and only
/// root may ptrace it or read its memory through /proc. Best effort; returns why not.
#[cfg(target_os = "linux")]
pub fn forbid_core_dumps() -> Result<(), String> {
    nix::sys::prctl::set_dumpable(false).map_err(|e| format!("prctl(PR_SET_DUMPABLE): {e}"))
}

/// Elsewhere core files are left to the system's own limits (`ulimit -c`).
#[cfg(not(target_os = "linux"))]
pub fn forbid_core_dumps() -> Result<(), String> {
    Ok(())
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    #[test]
    fn the_process_is_no_longer_dumpable() {
        super::forbid_core_dumps().expect("prctl");
        assert_eq!(nix::sys::prctl::get_dumpable(), Ok(false));
    }
}
