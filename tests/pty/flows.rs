//! The whole product as a user drives it: the real binary in a pseudo-terminal against a
//! sandbox on a loopback port. Change an ECS to a Cloud-Init image with a key pair and follow
//! the job to SUCCESS; reinstall a bare-metal server with a password and follow that job
//! too; quit with the terminal restored. Each request is counted in the sandbox.

use crate::support::client;
use crate::support::pty::{self, Pty, WAIT, esc, wait_until};
use reimage::cloud::model::ServerKind;
use reimage::sandbox::{Sandbox, SandboxConfig};
use std::path::Path;

const PASSWORD: &str = "Fl0w!Quartz82";

fn tui(sb: &Sandbox, home: &Path) -> Pty {
    Pty::on_sandbox(sb, home, (&[], &[]), 100, 30)
}

/// Filter the servers pane down to `name` and leave the filter line.
fn select_server(pty: &mut Pty, name: &str) {
    pty.send("1");
    pty.wait_for("┌ Servers", WAIT);
    if pty.screen().contains("Servers · filter") {
        esc(pty, "Servers · filter"); // Esc clears the filter
    }
    pty.send("/");
    pty.send(name);
    pty.send("\r");
    pty.wait_for(&format!("filter \"{name}\""), WAIT);
}

#[test]
fn change_an_ecs_and_reinstall_a_bms_from_the_keyboard() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let sb = rt.block_on(client::sandbox_with(SandboxConfig {
        job_seconds: 1.0,
        ..SandboxConfig::default()
    }));
    let home = tempfile::tempdir().expect("tempdir");
    let mut pty = tui(&sb, home.path());
    pty.wait_for("api-01", WAIT);

    // Change OS of web-03 (SHUTOFF ECS) to a Cloud-Init image, logging in with a key pair.
    select_server(&mut pty, "web-03");
    pty.send("c");
    pty.wait_for("Change OS · web-03", WAIT);
    pty.send("\r");
    pty.wait_for("Pick an image", WAIT);
    pty.send("Ubuntu 22.04 server 64bit");
    wait_until("the picker to narrow", || {
        pty.screen().contains("▶ Ubuntu 22.04 server 64bit")
    });
    pty.send("\r");
    pty.wait_for("/v2 with Cloud-Init", WAIT);
    pty.wait_for("(*) key pair", WAIT);
    pty.send("\x13"); // Ctrl-S: review
    let review = pty.wait_for("Type the server name", WAIT);
    assert!(review.contains("\"keyname\": \"kp-admin\""), "{review}");
    assert!(review.contains("/changeos"), "{review}");
    assert_eq!(
        client::op_count(&sb, "ecs.changeos.v2"),
        0,
        "nothing sent before the confirm"
    );
    pty.send("web-03\r");
    pty.wait_for("accepted, job", WAIT);
    pty.send("\r");
    pty.send("4");
    wait_until("the change job to succeed", || {
        pty.screen()
            .lines()
            .any(|l| l.contains("web-03") && l.contains("SUCCESS"))
    });
    assert_eq!(
        client::op_count(&sb, "ecs.changeos.v2"),
        1,
        "sent exactly once"
    );

    // Reinstall bms-db-01 (SHUTOFF BMS) with a password.
    select_server(&mut pty, "bms-db-01");
    pty.send("R");
    pty.wait_for("Reinstall OS · bms-db-01", WAIT);
    pty::password_login(&mut pty, PASSWORD);
    pty.send("\x13");
    let review = pty.wait_for("Type the server name", WAIT);
    assert!(review.contains("\"adminpass\": \"********\""), "{review}");
    pty.send("bms-db-01\r");
    pty.wait_for("accepted, job", WAIT);
    pty.send("\r");
    pty.send("4");
    wait_until("the reinstall job to succeed", || {
        pty.screen()
            .lines()
            .any(|l| l.contains("bms-db-01") && l.contains("SUCCESS"))
    });
    assert_eq!(
        client::op_count(&sb, "bms.reinstallos"),
        1,
        "sent exactly once"
    );

    // The servers now carry what was asked for, as the sandbox sees them.
    let (web, bms) = rt.block_on(async {
        let client = client::client(&sb).await;
        let ecs = client.list_servers(ServerKind::Ecs).await.expect("ecs");
        let bms = client.list_servers(ServerKind::Bms).await.expect("bms");
        let find = |v: &[reimage::cloud::model::Server], n: &str| {
            v.iter().find(|s| s.name == n).cloned().expect("server")
        };
        (find(&ecs, "web-03"), find(&bms, "bms-db-01"))
    });
    assert_eq!(web.image_name(), Some("Ubuntu 22.04 server 64bit"));
    // The sandbox leaves a reinstalled bare-metal server as it found it (SHUTOFF), idle.
    assert_ne!(bms.status, "REBUILD");
    assert_eq!(bms.task(), None);

    pty.send("q");
    assert!(pty.wait_exit(WAIT).is_some(), "quits");
    wait_until("the alternate screen is left", || !pty.alternate_screen());
    assert!(pty.cooked_mode(), "raw mode is off after quitting");
    assert!(!pty.cursor_hidden(), "the cursor is shown again");
    let out = String::from_utf8_lossy(&pty.raw_output()).into_owned();
    assert!(
        !out.contains(PASSWORD),
        "the password never reached the terminal"
    );
}
