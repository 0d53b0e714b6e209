//! The constraint sentences of the API pages (`shared/seeds/` 000–004), each a case with
//! the sentence beside it, written from the pages (not from `ops/`): the verdict of
//! `ops::plan` and the verdict of the sandbox over signed HTTP must be what the page says.
//! Also: every sentence `ops/sources.rs` cites is in its page word for word.

use crate::support::client::sandbox;
use crate::support::signed::*;
use reimage::cloud::model::{Image, Keypair, Server, ServerKind};
use reimage::ops::{self, Entries, Input, LoginMode, Operation, Route, Secret, UserData};
use serde_json::{Value, json};

/// What ops says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ops {
    /// A field error.
    Blocks,
    /// A plan, with a warning whose text contains this.
    Warns(&'static str),
    /// A plan.
    Plans,
}

/// One case: a sentence, and the same intent for ops and for the service.
struct Case {
    page: &'static str,
    quote: &'static str,
    server: &'static str,
    /// Image name for a change; `None` reinstalls.
    change_to: Option<&'static str>,
    route: Option<Route>,
    login: LoginMode,
    password: &'static str,
    user_data: Option<&'static str>,
    stop: bool,
    /// Send `userid` (ops: the caller's user id is known).
    userid: bool,
    ops: Ops,
    /// The service accepts (200) or refuses (4xx).
    service_accepts: bool,
}

const BASE: Case = Case {
    page: "",
    quote: "",
    server: "web-03",
    change_to: Some("Ubuntu 22.04 server 64bit"),
    route: None,
    login: LoginMode::Password,
    password: "Bl4ck!Horse",
    user_data: None,
    stop: false,
    userid: true,
    ops: Ops::Plans,
    service_accepts: true,
};

fn cases() -> Vec<Case> {
    use LoginMode::*;
    vec![
        Case {
            page: "000",
            quote: "You can only use an image with Cloud-Init or Cloudbase-Init installed.",
            change_to: Some("legacy-app-centos6"),
            route: Some(Route::V2),
            login: Keypair,
            ops: Ops::Warns("inject no password"),
            ..BASE
        },
        Case {
            page: "000",
            quote: "Only a stopped ECS or an ECS on which reinstalling or changing the OS failed supports changing OS.",
            server: "web-01",
            ops: Ops::Blocks,
            service_accepts: false,
            ..BASE
        },
        Case {
            page: "000",
            quote: "Only a stopped ECS or an ECS on which reinstalling or changing the OS failed supports changing OS.",
            server: "app-error-01",
            ops: Ops::Warns("ERROR"),
            ..BASE
        },
        Case {
            page: "000",
            quote: "Only an ECS with a system disk supports changing OS.",
            server: "scratch-nodisk-01",
            ops: Ops::Blocks,
            service_accepts: false,
            ..BASE
        },
        Case {
            page: "000",
            quote: "You are not allowed to perform other operations when changing the OS.",
            server: "mail-relay",
            stop: true,
            ops: Ops::Blocks,
            service_accepts: false,
            ..BASE
        },
        Case {
            page: "000",
            quote: "8 to 26 characters",
            password: "Sh0rt!",
            ops: Ops::Blocks,
            service_accepts: false,
            ..BASE
        },
        Case {
            page: "000",
            quote: "The password must contain at least three of the following character types: uppercase letters, lowercase letters, digits, and special characters (!@$%^-_=+[{}]:,./?~#*).",
            password: "my#pass2024x",
            ops: Ops::Warns("region"),
            ..BASE
        },
        Case {
            page: "000",
            quote: "The password must contain at least three of the following character types: uppercase letters, lowercase letters, digits, and special characters (!@$%^-_=+[{}]:,./?~#*).",
            password: "my~pass*2024",
            ..BASE
        },
        Case {
            page: "000",
            quote: "The password must contain at least three of the following character types: uppercase letters, lowercase letters, digits, and special characters (!@$%^-_=+[{}]:,./?~#*).",
            password: "onlylower1234",
            ops: Ops::Blocks,
            service_accepts: false,
            ..BASE
        },
        Case {
            page: "000",
            quote: "The Windows ECS password cannot contain the username, the username in reverse, or more than two characters in the same sequence as they appear in the username.",
            server: "win-rds-01",
            change_to: None,
            password: "Administrator1!",
            ops: Ops::Blocks,
            service_accepts: false,
            ..BASE
        },
        Case {
            page: "000",
            quote: "Linux ECSs can use user_data to inject passwords. In such a case, adminpass is unavailable.",
            user_data: Some("#!/bin/sh\necho hi\n"),
            ops: Ops::Blocks,
            service_accepts: true,
            ..BASE
        },
        Case {
            page: "000",
            quote: "If both adminpass and keyname are empty, user_data in metadata must be set.",
            login: UserDataOnly,
            ops: Ops::Blocks,
            service_accepts: false,
            ..BASE
        },
        Case {
            page: "000",
            quote: "If both adminpass and keyname are empty, user_data in metadata must be set.",
            login: UserDataOnly,
            user_data: Some("#cloud-config\nssh_pwauth: false\n"),
            ..BASE
        },
        Case {
            page: "000",
            quote: "If this parameter is left blank, the user ID in the token is used by default.",
            login: Keypair,
            userid: false,
            ops: Ops::Warns("userid left blank"),
            ..BASE
        },
        Case {
            page: "000",
            quote: "The maximum size of the content to be injected (before encoding) is 32 KB.",
            login: Keypair,
            user_data: Some(BIG),
            ops: Ops::Blocks,
            service_accepts: false,
            ..BASE
        },
        Case {
            page: "001",
            quote: "This API cannot be used to change an ECS OS to Windows.",
            change_to: Some("Windows Server 2019 Datacenter 64bit English"),
            ops: Ops::Blocks,
            service_accepts: false,
            ..BASE
        },
        Case {
            page: "001",
            quote: "This API cannot be used to change an ECS OS to Windows.",
            change_to: Some("erp-win2016-base"),
            ..BASE
        },
        Case {
            page: "001",
            quote: "If the parameter value is withStopServer, the ECS supports this feature.",
            server: "web-01",
            stop: true,
            ..BASE
        },
        Case {
            page: "002",
            quote: "You are not allowed to reinstall the OS of an ECS that does not have the system disk.",
            server: "scratch-nodisk-01",
            change_to: None,
            ops: Ops::Blocks,
            service_accepts: false,
            ..BASE
        },
        Case {
            page: "002",
            quote: "userid",
            change_to: None,
            login: Keypair,
            userid: false,
            ops: Ops::Blocks,
            service_accepts: false,
            ..BASE
        },
        Case {
            page: "003",
            quote: "Only a stopped BMS or a BMS on which changing the OS failed supports changing OS.",
            server: "bms-hpc-01",
            change_to: Some("EulerOS 2.9 64bit for BareMetal"),
            ops: Ops::Blocks,
            service_accepts: false,
            ..BASE
        },
        Case {
            page: "003",
            quote: "Only a stopped BMS or a BMS on which changing the OS failed supports changing OS.",
            server: "bms-hpc-01",
            change_to: None,
            ops: Ops::Warns("no page says so for reinstalling"),
            ..BASE
        },
        Case {
            page: "003",
            quote: "Windows images do not support password injection.",
            server: "bms-win-01",
            change_to: None,
            ops: Ops::Blocks,
            service_accepts: false,
            ..BASE
        },
        Case {
            page: "003",
            quote: "For Linux BMSs, user_data can be used to inject a password. In this case, adminpass is invalid.",
            server: "bms-db-01",
            change_to: None,
            user_data: Some("#!/bin/sh\necho hi\n"),
            ops: Ops::Blocks,
            service_accepts: true,
            ..BASE
        },
        Case {
            page: "003",
            quote: "Recommended password complexity requirements are as follows:",
            server: "bms-db-01",
            change_to: None,
            password: "Sh0rt!",
            ops: Ops::Warns("8 to 26"),
            ..BASE
        },
        Case {
            page: "003",
            quote: "Contains at least three of the following character types: uppercase letters, lowercase letters, digits, and special characters !@$%^-_=+[{}]:,./?",
            server: "bms-db-01",
            change_to: None,
            password: "My#Pass2024x",
            ops: Ops::Warns("character 3"),
            ..BASE
        },
        Case {
            page: "003",
            quote: "userid",
            server: "bms-db-01",
            change_to: None,
            login: Keypair,
            userid: false,
            ops: Ops::Warns("userid left blank"),
            ..BASE
        },
        Case {
            page: "004",
            quote: "不包含系统盘的弹性云服务器不能执行重装操作。",
            server: "scratch-nodisk-01",
            change_to: None,
            route: Some(Route::V1),
            ops: Ops::Blocks,
            service_accepts: false,
            ..BASE
        },
        Case {
            page: "004",
            quote: "建议密码复杂度如下：",
            server: "legacy-centos6",
            change_to: None,
            password: "Sh0rt!",
            ops: Ops::Warns("8 to 26"),
            ..BASE
        },
        Case {
            page: "004",
            quote: "密码至少必须包含大写字母、小写字母、数字和特殊字符（!@$%^-_=+[{}]:,./?~#*）中的三种。",
            server: "legacy-centos6",
            change_to: None,
            password: "my#pass2024x",
            ops: Ops::Warns("SSH password"),
            ..BASE
        },
        Case {
            page: "004",
            quote: "对于Windows弹性云服务器，仅支持密码方式",
            server: "erp-prod",
            change_to: None,
            login: Keypair,
            ops: Ops::Blocks,
            service_accepts: false,
            ..BASE
        },
        Case {
            page: "004",
            quote: "不能包含用户名中超过两个连续字符的部分",
            server: "erp-prod",
            change_to: None,
            password: "Good!Adm1234",
            ops: Ops::Blocks,
            service_accepts: false,
            ..BASE
        },
        Case {
            page: "004",
            quote: "adminpass和keyname不能同时为空。",
            server: "legacy-centos6",
            change_to: None,
            login: UserDataOnly,
            ops: Ops::Blocks,
            service_accepts: false,
            ..BASE
        },
    ]
}

const BIG: &str = "BIG"; // replaced by 32 KB + 1 of script

fn seeds_dir() -> std::path::PathBuf {
    if let Some(dir) = std::env::var_os("REIMAGE_SEEDS") {
        return dir.into();
    }
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    [
        root.join("../shared/seeds"),
        root.join("../../shared/seeds"),
    ]
    .into_iter()
    .find(|p| p.is_dir())
    .unwrap_or_else(|| {
        panic!("the seed pages are beside the checkout (shared/seeds) or in $REIMAGE_SEEDS")
    })
}

fn page(n: &str) -> String {
    let dir = seeds_dir();
    let file = std::fs::read_dir(&dir)
        .expect("seeds dir")
        .filter_map(Result::ok)
        .find(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with(&format!("{n}_"))
        })
        .unwrap_or_else(|| panic!("no page {n} in {}", dir.display()));
    // Pages wrap and indent: compare with runs of white space made one space.
    let text = std::fs::read_to_string(file.path()).expect("page");
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn every_cited_sentence_is_in_its_page() {
    for c in ops::sources::PAGE_QUOTES {
        assert!(
            page(c.from).contains(&squash(c.quote)),
            "page {} does not say: {}",
            c.from,
            c.quote
        );
    }
    for c in cases() {
        assert!(
            page(c.page).contains(&squash(c.quote)),
            "page {} does not say: {}",
            c.page,
            c.quote
        );
    }
}

async fn inventory(sb: &reimage::sandbox::Sandbox) -> (Vec<Server>, Vec<Image>, Vec<Keypair>) {
    let pid = &sb.project_id;
    let mut servers = Vec::new();
    for (kind, coll) in [
        (ServerKind::Ecs, "cloudservers"),
        (ServerKind::Bms, "baremetalservers"),
    ] {
        let v = get(
            sb,
            &format!("/v1/{pid}/{coll}/detail"),
            &[("limit", "1000")],
        )
        .await
        .json();
        let list: Vec<Server> = serde_json::from_value(v["servers"].clone()).expect("servers");
        servers.extend(list.into_iter().map(|s| Server { kind, ..s }));
    }
    let v = get(sb, "/v2/cloudimages", &[("limit", "1000")])
        .await
        .json();
    let images = serde_json::from_value(v["images"].clone()).expect("images");
    let v = get(sb, &format!("/v2.1/{pid}/os-keypairs"), &[])
        .await
        .json();
    let keypairs = v["keypairs"]
        .as_array()
        .expect("keypairs")
        .iter()
        .map(|k| serde_json::from_value(k["keypair"].clone()).expect("keypair"))
        .collect();
    (servers, images, keypairs)
}

fn user_data_of(c: &Case) -> Option<Vec<u8>> {
    c.user_data.map(|u| {
        if u == BIG {
            let mut d = b"#!/bin/sh\n".to_vec();
            d.resize(32 * 1024 + 1, b'x');
            d
        } else {
            u.as_bytes().to_vec()
        }
    })
}

/// The request as the page describes it, built without ops.
fn raw(
    c: &Case,
    sb: &reimage::sandbox::Sandbox,
    server: &Server,
    image: Option<&Image>,
    cur: Option<&Image>,
) -> (String, Value) {
    use base64::Engine;
    let deciding = image.or(cur);
    let route = match server.kind {
        ServerKind::Bms => Route::Bms,
        ServerKind::Ecs => c.route.unwrap_or(match deciding {
            Some(i) if !i.has_cloud_init() => Route::V1,
            _ => Route::V2,
        }),
    };
    let mut inner = serde_json::Map::new();
    let kp = if server.kind == ServerKind::Bms {
        "kp-bms"
    } else {
        "kp-admin"
    };
    match c.login {
        LoginMode::Password | LoginMode::PasswordHash => {
            inner.insert("adminpass".into(), json!(c.password));
        }
        LoginMode::Keypair => {
            inner.insert("keyname".into(), json!(kp));
            if c.userid {
                inner.insert("userid".into(), json!(sb.user_id));
            }
        }
        LoginMode::UserDataOnly => {}
    }
    if let Some(i) = image {
        inner.insert("imageid".into(), json!(i.id));
    }
    if let Some(d) = user_data_of(c) {
        let b64 = base64::engine::general_purpose::STANDARD.encode(d);
        inner.insert("metadata".into(), json!({"user_data": b64}));
    }
    if c.stop {
        inner.insert("mode".into(), json!("withStopServer"));
    }
    let (root, action) = if image.is_some() {
        ("os-change", "changeos")
    } else {
        ("os-reinstall", "reinstallos")
    };
    let coll = if route == Route::Bms {
        "baremetalservers"
    } else {
        "cloudservers"
    };
    let path = format!(
        "/{}/{}/{coll}/{}/{action}",
        route.version(),
        sb.project_id,
        server.id
    );
    (path, json!({ root: inner }))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pages_verdicts_from_ops_and_from_the_service() {
    let sb = sandbox().await;
    let (servers, images, keypairs) = inventory(&sb).await;
    let mut wrong = Vec::new();
    for c in cases() {
        let server = servers
            .iter()
            .find(|s| s.name == c.server)
            .unwrap_or_else(|| panic!("{}", c.server));
        let image = c.change_to.map(|n| {
            images
                .iter()
                .find(|i| i.name == n)
                .unwrap_or_else(|| panic!("{n}"))
        });
        let cur = images
            .iter()
            .find(|i| Some(i.id.as_str()) == server.current_image_id());
        let op = match image {
            Some(i) => Operation::Change {
                image_id: i.id.clone(),
            },
            None => Operation::Reinstall,
        };
        let e = Entries {
            login: c.login,
            password: Secret::new(c.password),
            password_confirm: Secret::new(c.password),
            keypair: if server.kind == ServerKind::Bms {
                "kp-bms"
            } else {
                "kp-admin"
            }
            .into(),
            user_data: user_data_of(&c).map(|d| UserData::file("u.sh", d)),
            stop_first: c.stop,
            route_override: c.route,
            ..Default::default()
        };
        let user = if c.userid { sb.user_id.as_str() } else { "" };
        let verdict = ops::plan(&Input {
            project_id: &sb.project_id,
            server,
            system_disk_gb: None,
            operation: &op,
            images: &images,
            keypairs: &keypairs,
            user_id: user,
            entries: &e,
        });
        let got = match &verdict {
            Err(_) => Ops::Blocks,
            Ok(p) => match c.ops {
                Ops::Warns(w) if p.warnings.iter().any(|x| x.message().contains(w)) => c.ops,
                _ => Ops::Plans,
            },
        };
        if got != c.ops {
            wrong.push(format!(
                "ops {got:?}, page says {:?}: {} \"{}\" on {}: {verdict:?}",
                c.ops, c.page, c.quote, c.server
            ));
        }
        let (path, body) = raw(&c, &sb, server, image, cur);
        let r = post(&sb, &path, &body).await;
        if (r.status == 200) != c.service_accepts {
            wrong.push(format!(
                "service {} {}, page says {}: {} \"{}\" on {}",
                r.status,
                r.text,
                if c.service_accepts {
                    "accepted"
                } else {
                    "refused"
                },
                c.page,
                c.quote,
                c.server
            ));
        }
        // ops's own request is taken too whenever ops plans.
        if let Ok(p) = &verdict {
            post_raw(&sb, "/_sandbox/reset", b"").await;
            let r = post_raw(&sb, &p.path, &p.body.to_bytes()).await;
            if r.status != 200 {
                wrong.push(format!(
                    "ops's plan refused {} {}: {} \"{}\"",
                    r.status, r.text, c.page, c.quote
                ));
            }
        }
        post_raw(&sb, "/_sandbox/reset", b"").await;
    }
    // Both at once (000, 003, 004): LoginMode from the flags refuses, and so does the service.
    assert!(LoginMode::from_flags(true, true, false).is_err());
    assert!(
        wrong.is_empty(),
        "{} cases wrong:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}
