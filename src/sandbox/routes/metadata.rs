//! ECS instance metadata: session token and temporary credentials (API doc 2.5 step 4).
//! Requests signed with the temporary access key must carry its `X-Security-Token`.

use rand::Rng;
use serde_json::json;
use time::{Duration, OffsetDateTime};

use super::Ctx;
use crate::sandbox::errors::Reply;
use crate::sandbox::state::{TempCredential, World};

const CREDENTIAL_LIFETIME: Duration = Duration::hours(2);
/// Hand out a fresh key when the current one has less than this left (the SDK refreshes at
/// 40 minutes).
const RENEW_BEFORE: Duration = Duration::minutes(45);

fn random_string(len: usize, alphabet: &[u8]) -> String {
    let mut rng = rand::rng();
    (0..len)
        .map(|_| char::from(alphabet[rng.random_range(0..alphabet.len())]))
        .collect()
}

const UPPER_DIGITS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const MIXED: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

pub fn token(world: &mut World, ctx: &Ctx<'_>) -> Reply {
    let ttl = ctx
        .header("x-metadata-token-ttl-seconds")
        .and_then(|v| v.trim().parse::<i64>().ok())
        .unwrap_or(21600)
        .clamp(1, 21600);
    let now = OffsetDateTime::now_utc();
    world.metadata_tokens.retain(|(_, exp)| *exp > now);
    let token = random_string(56, MIXED);
    world
        .metadata_tokens
        .push((token.clone(), now + Duration::seconds(ttl)));
    Reply::text(token)
}

fn expires_text(t: OffsetDateTime) -> String {
    let fmt = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z"
    );
    t.format(&fmt).unwrap_or_default()
}

pub fn security_key(world: &mut World, ctx: &Ctx<'_>) -> Reply {
    let now = OffsetDateTime::now_utc();
    if let Some(token) = ctx.header("x-metadata-token")
        && !world
            .metadata_tokens
            .iter()
            .any(|(t, exp)| t == token && *exp > now)
    {
        return Reply::gateway(
            401,
            "Unauthorized",
            "The metadata session token is invalid or has expired.",
        );
    }
    world.temp_credentials.retain(|t| t.expires_at > now);
    let current = world
        .temp_credentials
        .last()
        .filter(|t| t.expires_at - now > RENEW_BEFORE)
        .cloned();
    let cred = match current {
        Some(c) => c,
        None => {
            let c = TempCredential {
                access: format!("HPUATMP{}", random_string(13, UPPER_DIGITS)),
                secret: random_string(40, MIXED),
                token: random_string(96, MIXED),
                expires_at: now + CREDENTIAL_LIFETIME,
            };
            world.temp_credentials.push(c.clone());
            c
        }
    };
    Reply::ok(json!({"credential": {
        "access": cred.access, "secret": cred.secret, "securitytoken": cred.token,
        "expires_at": expires_text(cred.expires_at),
    }}))
}
