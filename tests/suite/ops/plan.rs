//! Table tests for `reimage::ops::plan`: one exact body per API (and variants), then every
//! rule broken once with its exact error.

use reimage::cloud::model::{Flavor, IdRef, Image, Keypair, Server, ServerKind, Volume};
use reimage::ops::{
    Entries, Field, FieldError, Input, LoginMode, Operation, Plan, Precondition, Route, Secret,
    UserData, Warning, plan,
};

const PROJECT: &str = "5f3c0e2a9b8d47c6a1e2f3b4c5d6e7f8";
const USER: &str = "9f8e7d6c5b4a39281706f5e4d3c2b1a0";
const UBUNTU: &str = "b3f1c6a2-8d4e-4f7a-9c1b-2e5d6f7a8b9c"; // v2, current image of web-02
const CENTOS_NOINIT: &str = "c0c0c0c0-1111-4222-8333-444455556666"; // v1
const BMS_IMG: &str = "e1f2a3b4-c5d6-4e7f-8091-a2b3c4d5e6f7";
const BMS_CUR: &str = "e1f2a3b4-0000-4e7f-8091-a2b3c4d5e6f7";
const CMK: &str = "83cdb52d-9ebf-4469-9cfa-e7b5b80da846";

fn image(id: &str, name: &str, env: &str) -> Image {
    Image {
        id: id.into(),
        name: name.into(),
        status: "active".into(),
        virtual_env_type: env.into(),
        image_type: "gold".into(),
        is_registered: Some("true".into()),
        os_type: Some("Linux".into()),
        min_disk: Some(40),
        min_ram: Some(0),
        hw_firmware_type: Some("bios".into()),
        ..Default::default()
    }
}

fn images() -> Vec<Image> {
    let mut v = vec![
        image(UBUNTU, "Ubuntu 22.04 server 64bit", "FusionCompute"),
        Image {
            support_fc_inject: Some("true".into()),
            ..image(CENTOS_NOINIT, "CentOS 7.9 no cloud-init", "FusionCompute")
        },
        image(BMS_IMG, "CentOS 7.9 64bit for BareMetal", "Ironic"),
        image(BMS_CUR, "EulerOS 2.5 for BareMetal", "Ironic"),
    ];
    // Images that fail one compatibility rule each; ids 00000000-0000-4000-8000-0000000000NN.
    let bad = |n: u32, name: &str, f: &dyn Fn(&mut Image)| {
        let mut i = image(
            &format!("00000000-0000-4000-8000-{n:012}"),
            name,
            "FusionCompute",
        );
        f(&mut i);
        i
    };
    v.push(bad(1, "queued", &|i| i.status = "queued".into()));
    v.push(bad(2, "iso", &|i| i.virtual_env_type = "IsoImage".into()));
    v.push(bad(3, "data", &|i| i.virtual_env_type = "DataImage".into()));
    v.push(bad(4, "arm", &|i| i.support_arm = Some("true".into())));
    v.push(bad(5, "uefi", &|i| {
        i.hw_firmware_type = Some("uefi".into())
    }));
    v.push(bad(6, "big ram", &|i| i.min_ram = Some(8192)));
    v.push(bad(7, "small ram", &|i| i.max_ram = Some(2048)));
    v.push(bad(8, "big disk", &|i| i.min_disk = Some(50)));
    v.push(bad(9, "c7 only", &|i| {
        i.supported_flavors = Some("c7.*, m6.large.8".into())
    }));
    v.push(bad(10, "off shelf", &|i| {
        i.image_type = "market".into();
        i.product_code = Some("pc1".into());
        i.is_offshelved = Some("true".into());
    }));
    v.push(bad(11, "windows", &|i| i.os_type = Some("Windows".into())));
    v.push(bad(12, "charged", &|i| {
        i.image_type = "market".into();
        i.product_code = Some("pc2".into());
    }));
    v.push(bad(13, "s6 ok", &|i| {
        i.supported_flavors = Some("s6.*".into())
    }));
    v.push(bad(14, "unregistered", &|i| {
        i.is_registered = Some("false".into())
    }));
    v.push(bad(15, "windows v1", &|i| {
        i.os_type = Some("Windows".into());
        i.support_fc_inject = Some("true".into());
    }));
    v.push(bad(16, "market no code", &|i| {
        i.image_type = "market".into()
    }));
    v.push(Image {
        os_type: Some("Windows".into()),
        ..image(
            "e1f2a3b4-1111-4e7f-8091-a2b3c4d5e6f7",
            "Windows BMS",
            "Ironic",
        )
    });
    v
}

fn bad_id(n: u32) -> String {
    format!("00000000-0000-4000-8000-{n:012}")
}

fn keypairs() -> Vec<Keypair> {
    let kp = |name: &str, user: &str| Keypair {
        name: name.into(),
        user_id: Some(user.into()),
        ..Default::default()
    };
    vec![
        kp("kp-admin", USER),
        kp("kp-bms", USER),
        kp("kp-old", "0123456789abcdef0123456789abcdef"),
    ]
}

fn ecs(status: &str) -> Server {
    Server {
        kind: ServerKind::Ecs,
        id: "3f9a1b2c-4d5e-4f60-8a7b-9c0d1e2f3c21".into(),
        name: "web-02".into(),
        status: status.into(),
        image: IdRef { id: UBUNTU.into() },
        flavor: Flavor {
            id: "s6.large.2".into(),
            name: "s6.large.2".into(),
            vcpus: Some(2),
            ram: Some(4096),
            disk: Some(0),
        },
        metadata: [("charging_mode", "0".into()), ("os_type", "Linux".into())]
            .into_iter()
            .collect(),
        volumes: vec![Volume {
            id: "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d".into(),
            boot_index: Some("0".into()),
            device: Some("/dev/vda".into()),
        }],
        ..Default::default()
    }
}

fn ecs_v1() -> Server {
    Server {
        image: IdRef {
            id: CENTOS_NOINIT.into(),
        },
        ..ecs("SHUTOFF")
    }
}

fn bms(status: &str) -> Server {
    Server {
        kind: ServerKind::Bms,
        id: "7d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6".into(),
        name: "db-bm-1".into(),
        image: IdRef { id: BMS_CUR.into() },
        flavor: Flavor {
            id: "physical.s4.large".into(),
            name: "physical.s4.large".into(),
            ram: Some(196_608),
            ..Default::default()
        },
        volumes: vec![],
        ..ecs(status)
    }
}

fn password(pw: &str) -> Entries {
    Entries {
        login: LoginMode::Password,
        password: Secret::new(pw),
        password_confirm: Secret::new(pw),
        ..Default::default()
    }
}

fn keypair(name: &str) -> Entries {
    Entries {
        login: LoginMode::Keypair,
        keypair: name.into(),
        ..Default::default()
    }
}

fn change(id: &str) -> Operation {
    Operation::Change {
        image_id: id.into(),
    }
}

fn run(server: &Server, op: &Operation, entries: &Entries) -> Result<Plan, Vec<FieldError>> {
    run_disk(server, op, entries, Some(40))
}

fn run_disk(
    server: &Server,
    op: &Operation,
    e: &Entries,
    disk: Option<u64>,
) -> Result<Plan, Vec<FieldError>> {
    let (images, keypairs) = (images(), keypairs());
    plan(&Input {
        project_id: PROJECT,
        server,
        system_disk_gb: disk,
        operation: op,
        images: &images,
        keypairs: &keypairs,
        user_id: USER,
        entries: e,
    })
}

fn ok(r: Result<Plan, Vec<FieldError>>) -> Plan {
    match r {
        Ok(p) => p,
        Err(e) => panic!("expected a plan, got {e:#?}"),
    }
}

fn body(p: &Plan) -> String {
    String::from_utf8_lossy(&p.body.to_bytes()).into_owned()
}

// ---- one valid plan per API, exact path and body -------------------------------------

#[test]
fn ecs_v2_change_keypair_user_data_stop() {
    let e = Entries {
        user_data: Some(UserData::typed("#!/bin/bash\necho hi\n")),
        stop_first: true,
        ..keypair("kp-admin")
    };
    let p = ok(run(&ecs("ACTIVE"), &change(UBUNTU), &e));
    assert_eq!(p.route.route, Route::V2);
    assert_eq!(
        p.path,
        format!("/v2/{PROJECT}/cloudservers/3f9a1b2c-4d5e-4f60-8a7b-9c0d1e2f3c21/changeos")
    );
    assert_eq!(p.method, "POST");
    assert_eq!(
        body(&p),
        format!(
            r#"{{"os-change": {{"keyname": "kp-admin", "userid": "{USER}", "imageid": "{UBUNTU}", "metadata": {{"user_data": "IyEvYmluL2Jhc2gKZWNobyBoaQo="}}, "mode": "withStopServer"}}}}"#
        )
    );
    assert_eq!(p.preconditions, vec![Precondition::ServerStoppedFirst]);
    assert_eq!(
        p.masked_body(),
        format!(
            r#"{{"os-change": {{"keyname": "kp-admin", "userid": "{USER}", "imageid": "{UBUNTU}", "metadata": {{"user_data": "<20 bytes, base64>"}}, "mode": "withStopServer"}}}}"#
        )
    );
}

#[test]
fn ecs_v1_change_password() {
    let p = ok(run(
        &ecs("SHUTOFF"),
        &change(CENTOS_NOINIT),
        &password("Str0ng!Pass"),
    ));
    assert_eq!(p.route.route, Route::V1);
    assert_eq!(
        p.path,
        format!("/v1/{PROJECT}/cloudservers/3f9a1b2c-4d5e-4f60-8a7b-9c0d1e2f3c21/changeos")
    );
    assert_eq!(
        body(&p),
        format!(r#"{{"os-change": {{"adminpass": "Str0ng!Pass", "imageid": "{CENTOS_NOINIT}"}}}}"#)
    );
    assert_eq!(
        p.masked_body(),
        format!(r#"{{"os-change": {{"adminpass": "********", "imageid": "{CENTOS_NOINIT}"}}}}"#)
    );
    assert!(!format!("{p:?}").contains("Str0ng"));
    assert!(p.warnings.contains(&Warning::SystemDiskWiped));
    assert!(p.warnings.contains(&Warning::SshPasswordLogin));
}

#[test]
fn ecs_v2_reinstall_password_stop() {
    let e = Entries {
        stop_first: true,
        ..password("Str0ng!Pass")
    };
    let p = ok(run(&ecs("ACTIVE"), &Operation::Reinstall, &e));
    assert_eq!(p.route.route, Route::V2);
    assert_eq!(
        p.path,
        format!("/v2/{PROJECT}/cloudservers/3f9a1b2c-4d5e-4f60-8a7b-9c0d1e2f3c21/reinstallos")
    );
    assert_eq!(
        body(&p),
        r#"{"os-reinstall": {"adminpass": "Str0ng!Pass", "mode": "withStopServer"}}"#
    );
}

#[test]
fn ecs_v1_reinstall_keypair_encrypted() {
    let e = Entries {
        encrypt: true,
        kms_key_id: CMK.into(),
        ..keypair("kp-admin")
    };
    let p = ok(run(&ecs_v1(), &Operation::Reinstall, &e));
    assert_eq!(p.route.route, Route::V1);
    assert_eq!(
        p.path,
        format!("/v1/{PROJECT}/cloudservers/3f9a1b2c-4d5e-4f60-8a7b-9c0d1e2f3c21/reinstallos")
    );
    assert_eq!(
        body(&p),
        format!(
            r#"{{"os-reinstall": {{"keyname": "kp-admin", "userid": "{USER}", "metadata": {{"__system__encrypted": "1", "__system__cmkid": "{CMK}"}}}}}}"#
        )
    );
}

#[test]
fn bms_change_keypair() {
    let p = ok(run(&bms("SHUTOFF"), &change(BMS_IMG), &keypair("kp-bms")));
    assert_eq!(p.route.route, Route::Bms);
    assert_eq!(p.service(), "bms");
    assert_eq!(
        p.path,
        format!("/v1/{PROJECT}/baremetalservers/7d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6/changeos")
    );
    assert_eq!(
        body(&p),
        format!(
            r#"{{"os-change": {{"keyname": "kp-bms", "userid": "{USER}", "imageid": "{BMS_IMG}"}}}}"#
        )
    );
}

#[test]
fn bms_reinstall_password() {
    let p = ok(run(
        &bms("SHUTOFF"),
        &Operation::Reinstall,
        &password("Str0ng!Pass"),
    ));
    assert_eq!(
        p.path,
        format!("/v1/{PROJECT}/baremetalservers/7d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6/reinstallos")
    );
    assert_eq!(
        body(&p),
        r#"{"os-reinstall": {"adminpass": "Str0ng!Pass"}}"#
    );
}

#[test]
fn ecs_v2_change_password_encrypted_like_the_seed() {
    let e = Entries {
        encrypt: true,
        kms_key_id: CMK.into(),
        ..password("Str0ng!Pass")
    };
    let p = ok(run(&ecs("SHUTOFF"), &change(UBUNTU), &e));
    assert_eq!(
        body(&p),
        format!(
            r#"{{"os-change": {{"adminpass": "Str0ng!Pass", "imageid": "{UBUNTU}", "metadata": {{"__system__encrypted": "1", "__system__cmkid": "{CMK}"}}}}}}"#
        )
    );
}

#[test]
fn ecs_v2_user_data_only_byol_auto_pay_prepaid() {
    let mut server = ecs("SHUTOFF");
    server.metadata.insert("charging_mode", "1".into());
    let e = Entries {
        login: LoginMode::UserDataOnly,
        user_data: Some(UserData::typed("#cloud-config\npassword: x\n")),
        byol: true,
        auto_pay: true,
        ..Default::default()
    };
    let p = ok(run(&server, &change(UBUNTU), &e));
    assert_eq!(
        body(&p),
        format!(
            r#"{{"os-change": {{"imageid": "{UBUNTU}", "metadata": {{"user_data": "I2Nsb3VkLWNvbmZpZwpwYXNzd29yZDogeAo=", "BYOL": "true"}}, "isAutoPay": "true"}}}}"#
        )
    );
    assert_eq!(p.preconditions, vec![Precondition::OrderPaidAutomatically]);
}

#[test]
fn encryption_off_sends_no_metadata_even_with_a_key_typed() {
    let e = Entries {
        kms_key_id: CMK.into(),
        ..password("Str0ng!Pass")
    };
    let p = ok(run(&ecs("SHUTOFF"), &change(UBUNTU), &e));
    assert!(!body(&p).contains("metadata"));
}

#[test]
fn route_override_is_reported() {
    let e = Entries {
        route_override: Some(Route::V1),
        ..password("Str0ng!Pass")
    };
    let p = ok(run(&ecs("SHUTOFF"), &Operation::Reinstall, &e));
    assert_eq!(p.route.route, Route::V1);
    assert!(p.route.overridden);
    assert!(p.path.starts_with("/v1/"));
    assert!(p.warnings.contains(&Warning::RouteOverridden {
        detected: "/v2 with Cloud-Init",
        chosen: "/v1 without Cloud-Init"
    }));
}

#[test]
fn unknown_disk_size_warns_only_above_the_smallest_disk() {
    let pw = password("Str0ng!Pass");
    let p = ok(run_disk(&ecs("SHUTOFF"), &change(&bad_id(8)), &pw, None));
    assert!(p.warnings.contains(&Warning::DiskGrows {
        min_disk_gb: 50,
        has_gb: None
    }));
    let p = ok(run_disk(&ecs("SHUTOFF"), &change(UBUNTU), &pw, None));
    assert!(
        !p.warnings
            .iter()
            .any(|w| matches!(w, Warning::DiskGrows { .. }))
    );
    let p = ok(run_disk(&ecs("SHUTOFF"), &change(UBUNTU), &pw, Some(20)));
    assert!(p.warnings.contains(&Warning::DiskGrows {
        min_disk_gb: 40,
        has_gb: Some(20)
    }));
}

#[test]
fn advisories_become_warnings() {
    let p = ok(run(
        &ecs("SHUTOFF"),
        &change(&bad_id(8)),
        &password("Str0ng!Pass"),
    ));
    assert!(p.warnings.contains(&Warning::DiskGrows {
        min_disk_gb: 50,
        has_gb: Some(40)
    }));
    let p = ok(run(
        &ecs("SHUTOFF"),
        &change(&bad_id(12)),
        &password("Str0ng!Pass"),
    ));
    assert!(p.warnings.contains(&Warning::ChargedImage));
    assert_eq!(p.preconditions, vec![Precondition::OrderPaidManually]);
    assert!(!body(&p).contains("isAutoPay"));
    let p = ok(run(
        &ecs("ERROR"),
        &change(&bad_id(13)),
        &password("Str0ng!Pass"),
    ));
    assert!(p.warnings.contains(&Warning::ErrorState));
    let p = ok(run(
        &ecs("SHUTOFF"),
        &change(&bad_id(15)),
        &password("Bl4ck!Horse"),
    ));
    assert!(p.warnings.contains(&Warning::DataDisksOtherOs {
        from: reimage::ops::OsFamily::Linux,
        to: reimage::ops::OsFamily::Windows
    }));
    let e = Entries {
        user_data: Some(UserData::typed("echo hi")),
        ..keypair("kp-admin")
    };
    let p = ok(run(&ecs("SHUTOFF"), &change(UBUNTU), &e));
    assert!(p.warnings.contains(&Warning::UserDataHeader));
}

// ---- every rule broken once ------------------------------------------------------------

/// Expect exactly one error, on `field`, with `message`.
fn refused(r: Result<Plan, Vec<FieldError>>, field: Field, message: &str) {
    match r {
        Ok(p) => panic!("expected {field:?} \"{message}\", got a plan {p:?}"),
        Err(errors) => {
            assert_eq!(errors.len(), 1, "one error expected: {errors:#?}");
            assert_eq!(
                (errors[0].field, errors[0].message.as_str()),
                (field, message)
            );
            assert!(!errors[0].fix.is_empty());
        }
    }
}

#[test]
fn image_rules() {
    let pw = password("Bl4ck!Horse");
    let shut = ecs("SHUTOFF");
    // Each blocks with its source: IMS status / virtual_env_type, page 000 (UUID), 001.
    let cases: &[(String, &str)] = &[
        (bad_id(1), "status queued"),
        (bad_id(2), "ISO image"),
        (bad_id(3), "data-disk image"),
        (bad_id(11), "Windows, not through /v2"),
        (BMS_IMG.into(), "bare-metal image"),
        (
            "not-a-uuid".into(),
            "\"not-a-uuid\" is not an image id (UUID)",
        ),
        (
            "12345678-1234-4234-8234-123456789abc".into(),
            "image 12345678-1234-4234-8234-123456789abc is not in the image list",
        ),
    ];
    for (id, message) in cases {
        refused(run(&shut, &change(id), &pw), Field::Image, message);
    }
    refused(
        run(&bms("SHUTOFF"), &change(UBUNTU), &keypair("kp-bms")),
        Field::Image,
        "ECS image, not bare metal",
    );
    // No page states these: the plan goes through with a warning under the image.
    let warned: &[(String, &str)] = &[
        (bad_id(4), "arm64 image, x86 server"),
        (bad_id(5), "UEFI image, BIOS server"),
        (bad_id(6), "needs 8192 MB RAM, has 4096 MB"),
        (bad_id(7), "max 2048 MB RAM, has 4096 MB"),
        (bad_id(9), "not for flavor s6.large.2"),
        (bad_id(10), "off the shelf"),
        (bad_id(14), "not registered"),
        (bad_id(16), "market image, no product code"),
    ];
    for (id, short) in warned {
        let p = ok(run(&shut, &change(id), &pw));
        assert!(
            p.warnings.contains(&Warning::MayRefuse {
                field: Field::Image,
                what: format!("{short} (no page states this rule)"),
            }),
            "{short}: {:?}",
            p.warnings
        );
    }
    // Windows without Cloud-Init goes through /v1 (page 001 forbids only /v2).
    ok(run(&shut, &change(&bad_id(15)), &pw));
}

#[test]
fn route_rules() {
    let mut s = ecs("SHUTOFF");
    s.image.id = "99999999-9999-4999-8999-999999999999".into();
    refused(
        run(&s, &Operation::Reinstall, &password("Str0ng!Pass")),
        Field::Route,
        "the current image is not in the image list (deleted or not shared), so Cloud-Init support is unknown",
    );
    let e = Entries {
        route_override: Some(Route::V2),
        ..keypair("kp-bms")
    };
    refused(
        run(&bms("SHUTOFF"), &Operation::Reinstall, &e),
        Field::Route,
        "/v2 with Cloud-Init is an ECS route; a BMS has only the bare-metal API",
    );
}

#[test]
fn server_state_rules() {
    let pw = password("Str0ng!Pass");
    let up = change(UBUNTU);
    refused(
        run(&ecs("ACTIVE"), &up, &pw),
        Field::StopFirst,
        "the server is running (ACTIVE) and must be stopped",
    );
    refused(
        run(&ecs("REBUILD"), &up, &pw),
        Field::Server,
        "status REBUILD does not allow it (needs SHUTOFF, or ACTIVE with stop first)",
    );
    let busy = Server {
        task_state: Some("powering-on".into()),
        ..ecs("SHUTOFF")
    };
    refused(
        run(&busy, &up, &pw),
        Field::Server,
        "a task is running on the server (powering-on)",
    );
    let diskless = Server {
        volumes: vec![],
        ..ecs("SHUTOFF")
    };
    refused(
        run(&diskless, &up, &pw),
        Field::Server,
        "the server has no system disk",
    );
    let kp = keypair("kp-bms");
    refused(
        run(&bms("ACTIVE"), &change(BMS_IMG), &kp),
        Field::Server,
        "the bare-metal server is running; a BMS must be stopped to change OS",
    );
    let stop = Entries {
        stop_first: true,
        ..kp.clone()
    };
    refused(
        run(&bms("SHUTOFF"), &Operation::Reinstall, &stop),
        Field::StopFirst,
        "a bare-metal server cannot be stopped automatically (the BMS API has no mode)",
    );
    let pay = Entries {
        auto_pay: true,
        ..pw.clone()
    };
    let mut prepaid = ecs("SHUTOFF");
    prepaid.metadata.insert("charging_mode", "1".into());
    refused(
        run(&prepaid, &Operation::Reinstall, &pay),
        Field::AutoPay,
        "the reinstall API takes no auto-pay flag (a reinstall creates no order)",
    );
    // No page states these: warnings, and the request goes.
    let may = |p: &Plan, field: Field, start: &str| {
        assert!(
            p.warnings.iter().any(|w| matches!(w, Warning::MayRefuse { field: f, what } if *f == field && what.starts_with(start))),
            "{start}: {:?}",
            p.warnings
        )
    };
    let locked = Server {
        locked: true,
        ..ecs("SHUTOFF")
    };
    may(
        &ok(run(&locked, &up, &pw)),
        Field::Server,
        "the server is locked",
    );
    let mut spot = ecs("SHUTOFF");
    spot.metadata.insert("charging_mode", "2".into());
    may(
        &ok(run(&spot, &up, &pw)),
        Field::Server,
        "the server is spot-priced",
    );
    may(
        &ok(run(&bms("ACTIVE"), &Operation::Reinstall, &kp)),
        Field::Server,
        "the bare-metal server is ACTIVE",
    );
    let p = ok(run(&ecs("SHUTOFF"), &up, &pay));
    may(&p, Field::AutoPay, "isAutoPay is sent");
    assert!(body(&p).contains(r#""isAutoPay": "true""#));
}

#[test]
fn login_rules() {
    let shut = ecs("SHUTOFF");
    let up = change(UBUNTU);
    let v1 = change(CENTOS_NOINIT);
    assert_eq!(
        LoginMode::from_flags(true, true, false).map_err(|e| (e.field, e.message)),
        Err((
            Field::LoginMode,
            "a password and a key pair were both given; the cloud takes only one".to_string()
        ))
    );
    let none = Entries {
        login: LoginMode::UserDataOnly,
        ..Default::default()
    };
    refused(
        run(&shut, &up, &none),
        Field::UserData,
        "no password or key pair, so user data is required",
    );
    refused(
        run(&bms("SHUTOFF"), &Operation::Reinstall, &none),
        Field::UserData,
        "no password or key pair, so user data is required",
    );
    let ud_only = Entries {
        user_data: Some(UserData::typed("#!/bin/sh\n")),
        ..none.clone()
    };
    refused(
        run(&shut, &v1, &ud_only),
        Field::LoginMode,
        "the /v1 route (image without Cloud-Init) needs a password or a key pair",
    );
    let pw_ud = Entries {
        user_data: Some(UserData::typed("#!/bin/sh\n")),
        ..password("Str0ng!Pass")
    };
    refused(
        run(&shut, &v1, &pw_ud),
        Field::UserData,
        "the /v1 route (image without Cloud-Init) cannot carry user data",
    );
    refused(
        run(&shut, &up, &password("Short1!")),
        Field::Password,
        "7 characters; page 000 requires 8 to 26",
    );
    // Page 000's specials include ~ # *; other characters and root only warn.
    ok(run(&shut, &up, &password("My#Pass2024x")));
    let p = ok(run(&shut, &up, &password("Str0ng Pass")));
    assert!(p.warnings.iter().any(|w| w.field() == Some(Field::Password)
        && w.message().contains("character 7 is none of the kinds")));
    ok(run(&shut, &up, &password("Xroot!2024")));
    // Linux: a password and user data are one choice (pages 000, 003).
    let pw_ud_v2 = Entries {
        user_data: Some(UserData::typed("#!/bin/sh\n")),
        ..password("Str0ng!Pass")
    };
    refused(
        run(&shut, &up, &pw_ud_v2),
        Field::UserData,
        "on Linux the user data takes the place of the password: the service ignores adminpass when user data is sent",
    );
    let windows = change(&bad_id(15)); // Windows through /v1
    refused(
        run(&shut, &windows, &password("Admin!2024x")),
        Field::Password,
        "contains 3 consecutive letters of Administrator",
    );
    // Page 004 says password only for the /v1 reinstall; a /v1 change only warns.
    let p = ok(run(&shut, &windows, &keypair("kp-admin")));
    assert!(
        p.warnings
            .iter()
            .any(|w| w.field() == Some(Field::LoginMode))
    );
    let win_server = Server {
        image: IdRef {
            id: bad_id(15).into(),
        },
        ..ecs("SHUTOFF")
    };
    refused(
        run(&win_server, &Operation::Reinstall, &keypair("kp-admin")),
        Field::LoginMode,
        "a Windows ECS is reinstalled with a password only",
    );
    refused(
        run(
            &bms("SHUTOFF"),
            &change("e1f2a3b4-1111-4e7f-8091-a2b3c4d5e6f7"),
            &password("Str0ng!Pass"),
        ),
        Field::LoginMode,
        "Windows bare-metal images do not support password injection",
    );
    // Page 003 only recommends: a warning.
    let p = ok(run(
        &bms("SHUTOFF"),
        &Operation::Reinstall,
        &password("Xroot!Adm7"),
    ));
    assert!(
        p.warnings
            .iter()
            .any(|w| w.message().contains("003 recommends against it"))
    );
    let mismatch = Entries {
        password_confirm: Secret::new("Str0ng!Pas"),
        ..password("Str0ng!Pass")
    };
    refused(
        run(&shut, &up, &mismatch),
        Field::PasswordConfirm,
        "the confirmation does not match the password",
    );
    refused(
        run(&shut, &up, &keypair("kp-gone")),
        Field::Keypair,
        "key pair \"kp-gone\" does not exist",
    );
    refused(
        run(&shut, &up, &keypair("kp-old")),
        Field::Keypair,
        "key pair \"kp-old\" belongs to another user",
    );
    let big = Entries {
        user_data: Some(UserData::file("big.sh", vec![b'#'; 32_769])),
        ..keypair("kp-admin")
    };
    refused(
        run(&shut, &up, &big),
        Field::UserData,
        "32769 bytes; at most 32768 bytes (32 KB) before encoding",
    );
}

#[test]
fn metadata_rules() {
    let shut = ecs("SHUTOFF");
    let up = change(UBUNTU);
    let short_key = Entries {
        encrypt: true,
        kms_key_id: CMK[1..].into(),
        ..password("Str0ng!Pass")
    };
    refused(
        run(&shut, &up, &short_key),
        Field::KmsKey,
        "a KMS key id has 36 characters, this one 35",
    );
    let byol = Entries {
        byol: true,
        ..keypair("kp-bms")
    };
    refused(
        run(&bms("SHUTOFF"), &change(BMS_IMG), &byol),
        Field::Byol,
        "the bare-metal API takes no BYOL flag",
    );
    let pay = Entries {
        auto_pay: true,
        ..keypair("kp-bms")
    };
    refused(
        run(&bms("SHUTOFF"), &change(BMS_IMG), &pay),
        Field::AutoPay,
        "the bare-metal API takes no auto-pay flag",
    );
}

#[test]
fn all_errors_are_reported_at_once_in_form_order() {
    let e = Entries {
        login: LoginMode::Password,
        password: Secret::new("short"),
        encrypt: true,
        kms_key_id: "x".into(),
        ..Default::default()
    };
    let errors = run(&ecs("ACTIVE"), &change(&bad_id(1)), &e).expect_err("invalid");
    let fields: Vec<Field> = errors.iter().map(|e| e.field).collect();
    assert_eq!(
        fields,
        vec![
            Field::Image,
            Field::Password,
            Field::PasswordConfirm,
            Field::KmsKey,
            Field::StopFirst
        ]
    );
    for e in &errors {
        assert!(!e.to_string().contains("short"), "secret in {e}");
    }
}

// ---- helpers for a live form -----------------------------------------------------------

fn input<'a>(
    server: &'a Server,
    op: &'a Operation,
    e: &'a Entries,
    images: &'a [Image],
    keypairs: &'a [Keypair],
) -> Input<'a> {
    Input {
        project_id: PROJECT,
        server,
        system_disk_gb: Some(40),
        operation: op,
        images,
        keypairs,
        user_id: USER,
        entries: e,
    }
}

#[test]
fn form_shows_only_the_fields_that_apply() {
    use reimage::ops::{auto_pay_offered, field_applies};
    let (images, keypairs) = (images(), keypairs());
    let e = password("Str0ng!Pass");
    let (v2, v1) = (change(UBUNTU), change(CENTOS_NOINIT));
    let (ecs, bms) = (ecs("SHUTOFF"), bms("SHUTOFF"));
    let on = |s, o, f| field_applies(&input(s, o, &e, &images, &keypairs), f);
    assert!(on(&ecs, &v2, Field::UserData));
    assert!(!on(&ecs, &v1, Field::UserData), "v1 takes no user data");
    assert!(on(&ecs, &v2, Field::StopFirst) && !on(&bms, &Operation::Reinstall, Field::StopFirst));
    assert!(!on(&bms, &Operation::Reinstall, Field::Byol));
    assert!(on(&ecs, &v2, Field::Password) && !on(&ecs, &v2, Field::Keypair));
    assert!(
        !on(&ecs, &v2, Field::AutoPay),
        "pay-per-use server, free image"
    );
    assert!(
        on(&ecs, &change(&bad_id(12)), Field::AutoPay),
        "charged image"
    );
    let mut prepaid = ecs.clone();
    prepaid.metadata.insert("charging_mode", "1".into());
    assert!(auto_pay_offered(&input(
        &prepaid, &v2, &e, &images, &keypairs
    )));
    assert!(!auto_pay_offered(&input(
        &prepaid,
        &Operation::Reinstall,
        &e,
        &images,
        &keypairs
    )));
}

#[test]
fn form_gets_the_errors_of_one_field() {
    use reimage::ops::{field_errors, validate};
    let (images, keypairs) = (images(), keypairs());
    let e = Entries {
        password_confirm: Secret::new("other"),
        ..password("short")
    };
    let op = change(UBUNTU);
    let server = ecs("SHUTOFF");
    let i = input(&server, &op, &e, &images, &keypairs);
    assert_eq!(validate(&i).len(), 2);
    let pw = field_errors(&i, Field::Password);
    assert_eq!(pw.len(), 1);
    assert_eq!(pw[0].message, "5 characters; page 000 requires 8 to 26");
    assert!(field_errors(&i, Field::Image).is_empty());
}

#[test]
fn plan_debug_hides_password_and_user_data() {
    let e = Entries {
        user_data: Some(UserData::typed("#!/bin/sh\necho secret-token-123\n")),
        ..keypair("kp-admin")
    };
    let p = ok(run(&ecs("SHUTOFF"), &change(UBUNTU), &e));
    let debug = format!("{p:?}");
    assert!(!debug.contains("IyEv"), "{debug}");
    assert!(debug.contains("bytes, base64>"));
    let p = ok(run(
        &ecs("SHUTOFF"),
        &change(UBUNTU),
        &password("Str0ng!Pass"),
    ));
    let debug = format!("{p:?}");
    assert!(
        !debug.contains("Str0ng") && debug.contains("********"),
        "{debug}"
    );
}

#[test]
fn form_defaults_and_picker_fit() {
    let mut running = ecs("ACTIVE");
    running.key_name = Some("kp-admin".into());
    let d = Entries::defaults_for(&running);
    assert_eq!(
        (d.login, d.keypair.as_str(), d.stop_first),
        (LoginMode::Keypair, "kp-admin", true)
    );
    let d = Entries::defaults_for(&bms("SHUTOFF"));
    assert_eq!((d.login, d.stop_first), (LoginMode::Password, false));
    let (images, keypairs) = (images(), keypairs());
    let (op, e, server) = (Operation::Reinstall, password("x"), ecs("SHUTOFF"));
    let i = input(&server, &op, &e, &images, &keypairs);
    let arm = images
        .iter()
        .find(|x| x.id == bad_id(4))
        .expect("arm image");
    let shorts: Vec<String> = i
        .image_fit(arm)
        .unwrap_err()
        .iter()
        .map(|r| r.short())
        .collect();
    assert_eq!(shorts, ["arm64 image, x86 server"]);
    let big = images
        .iter()
        .find(|x| x.id == bad_id(8))
        .expect("big disk image");
    let notes: Vec<String> = i
        .image_fit(big)
        .expect("fits")
        .iter()
        .map(|r| r.short())
        .collect();
    assert_eq!(notes, ["needs 50 GB disk, has 40 GB"]);
}

// ---- what IAM or the listing cannot tell ------------------------------------------------

fn run_as(
    user: &str,
    server: &Server,
    op: &Operation,
    e: &Entries,
) -> Result<Plan, Vec<FieldError>> {
    let (images, keypairs) = (images(), keypairs());
    plan(&Input {
        project_id: PROJECT,
        server,
        system_disk_gb: Some(40),
        operation: op,
        images: &images,
        keypairs: &keypairs,
        user_id: user,
        entries: e,
    })
}

#[test]
fn a_key_pair_without_a_known_user_id() {
    let kp = keypair("kp-admin");
    // Page 000: blank userid is the token's user.
    let p = ok(run_as("", &ecs("SHUTOFF"), &change(UBUNTU), &kp));
    assert_eq!(
        body(&p),
        format!(r#"{{"os-change": {{"keyname": "kp-admin", "imageid": "{UBUNTU}"}}}}"#)
    );
    assert!(
        p.warnings
            .contains(&Warning::UserIdBlank { documented: true })
    );
    assert!(
        Warning::UserIdBlank { documented: true }
            .message()
            .starts_with("userid left blank: the service uses the token's user")
    );
    // The SDK models of the reinstall and /v1 change routes require it.
    let e = run_as("", &ecs("SHUTOFF"), &Operation::Reinstall, &kp).expect_err("required");
    assert_eq!(e[0].field, Field::Keypair);
    assert_eq!(
        e[0].basis,
        Some(reimage::ops::sources::USERID_REQUIRED_REINSTALL)
    );
    let e = run_as("", &ecs("SHUTOFF"), &change(CENTOS_NOINIT), &kp).expect_err("required");
    assert_eq!(
        e[0].basis,
        Some(reimage::ops::sources::USERID_REQUIRED_CHANGE_V1)
    );
    // BMS: no source requires it; sent blank with a warning.
    let p = ok(run_as(
        "",
        &bms("SHUTOFF"),
        &change(BMS_IMG),
        &keypair("kp-bms"),
    ));
    assert!(!body(&p).contains("userid"));
    assert!(
        p.warnings
            .contains(&Warning::UserIdBlank { documented: false })
    );
}

#[test]
fn an_unlisted_current_image_is_unknown_not_bios_and_x86() {
    // An ARM server (flavor kc1) whose image was deleted: nothing blocks an ARM UEFI image.
    let mut arm = ecs("SHUTOFF");
    arm.image.id = "99999999-9999-4999-8999-999999999999".into();
    arm.flavor.name = "kc1.large.2".into();
    let mut uefi_arm = images();
    let target = uefi_arm
        .iter_mut()
        .find(|i| i.id == bad_id(4))
        .expect("arm");
    target.hw_firmware_type = Some("uefi".into());
    let op = change(&bad_id(4));
    let (keypairs, pw) = (keypairs(), password("Bl4ck!Horse"));
    let p = plan(&Input {
        project_id: PROJECT,
        server: &arm,
        system_disk_gb: Some(40),
        operation: &op,
        images: &uefi_arm,
        keypairs: &keypairs,
        user_id: USER,
        entries: &pw,
    })
    .unwrap_or_else(|e| panic!("an unknown firmware does not block: {e:#?}"));
    assert!(
        p.warnings
            .iter()
            .any(|w| w.message().contains("server boot firmware unknown"))
    );
    assert!(
        !p.warnings
            .iter()
            .any(|w| w.message().contains("architecture"))
    );
    // The IMS `architecture` field wins over `__support_arm`.
    let mut x86 = images();
    let t = x86.iter_mut().find(|i| i.id == bad_id(4)).expect("arm");
    t.architecture = Some("x86".into());
    let server = ecs("SHUTOFF");
    let p = plan(&Input {
        project_id: PROJECT,
        server: &server,
        system_disk_gb: Some(40),
        operation: &op,
        images: &x86,
        keypairs: &keypairs,
        user_id: USER,
        entries: &pw,
    })
    .expect("plan");
    assert!(
        !p.warnings.iter().any(|w| w.message().contains("arm64")),
        "{:?}",
        p.warnings
    );
}

#[test]
fn hashed_password_sends_the_page_003_script_and_no_password() {
    let e = Entries {
        login: LoginMode::PasswordHash,
        ..password("My#Pass2024x")
    };
    let p = ok(run(&bms("SHUTOFF"), &Operation::Reinstall, &e));
    let sent = body(&p);
    assert!(
        !sent.contains("My#Pass2024x") && !sent.contains("adminpass"),
        "{sent}"
    );
    let v: serde_json::Value = serde_json::from_str(&sent).expect("json");
    let b64 = v["os-reinstall"]["metadata"]["user_data"]
        .as_str()
        .expect("user data");
    use base64::Engine;
    let script = String::from_utf8(
        base64::engine::general_purpose::STANDARD
            .decode(b64)
            .expect("base64"),
    )
    .expect("text");
    assert!(
        script.starts_with("#!/bin/bash\necho 'root:$6$rounds=5000$"),
        "{script}"
    );
    assert!(script.ends_with("' | chpasswd -e\n"), "{script}");
    assert!(!script.contains("My#Pass2024x"));
    assert_eq!(
        p.user_data_shown,
        Some("#!/bin/bash\necho 'root:$6$********' | chpasswd -e\n")
    );
    // ECS /v2 Linux too; not /v1, not Windows.
    ok(run(&ecs("SHUTOFF"), &change(UBUNTU), &e));
    refused(
        run(&ecs("SHUTOFF"), &change(CENTOS_NOINIT), &e),
        Field::LoginMode,
        "the hashed password is sent as user data, which the /v1 route (image without Cloud-Init) cannot carry",
    );
}
