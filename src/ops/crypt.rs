//! The hashed-password login of page 003: the password is hashed here with SHA-512 crypt
//! and set on the server by a `chpasswd -e` script sent as the user data, so the plain
//! password never leaves this machine. Cloud-Init runs the same script on an ECS (/v2).

use crate::secret::Secret;
use rand::RngCore;
use sha_crypt::{CustomizedPasswordHasher, Params, ShaCrypt};
use zeroize::Zeroize;

/// The script as the review shows it: the hash masked.
pub const SCRIPT_MASKED: &str = "#!/bin/bash\necho 'root:$6$********' | chpasswd -e\n";

/// `$6$rounds=5000$<16 salt chars>$<86 hash chars>` of `password`, with a fresh salt.
/// The sha2 state inside `sha-crypt` (on the stack) is not wiped; every buffer reimage
/// holds is.
pub fn sha512_crypt(password: &Secret) -> Result<Secret, String> {
    let mut salt = [0u8; 12]; // 16 characters of crypt base64, as `crypt.mksalt()` makes
    rand::rng().fill_bytes(&mut salt);
    let hashed = ShaCrypt::SHA512.hash_password_customized(
        password.expose().as_bytes(),
        &salt,
        None,
        None,
        Params::RECOMMENDED,
    );
    salt.zeroize();
    let hash = hashed.map_err(|e| format!("the password could not be hashed: {e}"))?;
    Ok(Secret::new(hash.as_str()))
}

/// Page 003's script: `echo 'root:HASH' | chpasswd -e`. The hash alphabet (`./0-9A-Za-z$=`)
/// needs no quoting inside single quotes.
pub fn chpasswd_script(hash: &Secret) -> Secret {
    let mut script = String::with_capacity(160);
    script.push_str("#!/bin/bash\necho 'root:");
    script.push_str(hash.expose());
    script.push_str("' | chpasswd -e\n");
    Secret::new(script)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha_crypt::PasswordVerifier;

    /// Page 003's salt and password, hashed by another implementation
    /// (`openssl passwd -6 -salt V6azyeLwcD3CHlpY Cloud.1234`). The hash printed on the
    /// page itself is not crypt() of 'Cloud.1234' (nor of 'cloud.1234'): an illustration.
    #[test]
    fn agrees_with_openssl_on_the_page_salt() {
        let openssl = "$6$V6azyeLwcD3CHlpY$zjTREm6fZkS2i4oPUuRa6v9jjo9ndGFtK12ZQAOSyQKTZyLj1SZy7h7bxAbmHv75YuHvbRxMrnJevE9bJ3KE9/";
        assert!(
            ShaCrypt::SHA512
                .verify_password(b"Cloud.1234", openssl)
                .is_ok()
        );
        assert!(
            ShaCrypt::SHA512
                .verify_password(b"Cloud.1235", openssl)
                .is_err()
        );
        let page = "$6$V6azyeLwcD3CHlpY$BN3VVq18fmCkj66B4zdHLWevqcxlig/GpOkLcOhab9smJoLKYm/Tf9Hcwa6DpiPDhdHfGEAPajFmLZa0YDd910";
        assert!(
            ShaCrypt::SHA512
                .verify_password(b"Cloud.1234", page)
                .is_err()
        );
    }

    #[test]
    fn a_hash_verifies_and_the_script_holds_no_plain_password() {
        let pw = Secret::new("My#Pass2024x");
        let hash = sha512_crypt(&pw).expect("hash");
        assert!(hash.expose().starts_with("$6$rounds=5000$"), "{hash:?}");
        assert!(
            ShaCrypt::SHA512
                .verify_password(b"My#Pass2024x", hash.expose())
                .is_ok()
        );
        let again = sha512_crypt(&pw).expect("hash");
        assert_ne!(hash.expose(), again.expose(), "a fresh salt each time");
        let script = chpasswd_script(&hash);
        assert!(script.expose().contains("chpasswd -e"));
        assert!(!script.expose().contains("My#Pass2024x"));
        assert!(!hash.expose().contains('\''));
    }
}
