"""Call every sandbox operation reimage uses through the official Huawei Python SDKs.

Usage: pip install huaweicloudsdkecs huaweicloudsdkbms huaweicloudsdkims huaweicloudsdkkps huaweicloudsdkiam
       reimage sandbox --listen 127.0.0.1:0 --job-seconds 0.5   # prints the URL
       python3 assets/sandbox/sdk_check.py http://127.0.0.1:PORT
Expect every line OK except "ecs.reject" (a deliberate Ecs.0011 rejection) and
"ecs.windows_v2" (page 001: /v2 cannot change an ECS to Windows, a deliberate rejection).
"""
import sys, time, base64
from huaweicloudsdkcore.auth.credentials import BasicCredentials, GlobalCredentials
from huaweicloudsdkcore.exceptions import exceptions
from huaweicloudsdkecs.v2 import *
from huaweicloudsdkecs.v2 import EcsClient
from huaweicloudsdkbms.v1 import *
from huaweicloudsdkbms.v1 import BmsClient
from huaweicloudsdkims.v2 import ImsClient, ListImagesRequest
from huaweicloudsdkkps.v3 import KpsClient, ListKeypairsRequest
from huaweicloudsdkiam.v3 import IamClient, KeystoneListProjectsRequest, ShowPermanentAccessKeyRequest

url = sys.argv[1]
AK, SK, PID = "HPUASANDBOX000000001", "sandbox-secret-key-not-a-real-secret-0001", "5f3c0e6d2a8b4c1e9f7a6b5c4d3e2f6b"
cred = BasicCredentials(AK, SK, PID)
def build(cls, c=cred):
    return cls.new_builder().with_credentials(c).with_endpoints([url]).build()
ecs, bms, ims, kps = build(EcsClient), build(BmsClient), build(ImsClient), build(KpsClient)
iam = build(IamClient, GlobalCredentials(AK, SK))
ok = 0
def check(name, fn):
    global ok
    try:
        r = fn(); ok += 1
        print("OK  ", name, "->", (str(r)[:150]).replace("\n", " "))
        return r
    except exceptions.ClientRequestException as e:
        print("ERR ", name, e.status_code, e.error_code, e.error_msg)
    except Exception as e:
        print("FAIL", name, type(e).__name__, e)

servers = check("ecs.list", lambda: ecs.list_servers_details(ListServersDetailsRequest(limit=5, offset=1)))
allsrv = ecs.list_servers_details(ListServersDetailsRequest(limit=1000)).servers
by = {s.name: s for s in allsrv}
check("ecs.show", lambda: ecs.show_server(ShowServerRequest(server_id=by["web-03"].id)).server.status)
imgs = check("ims.list", lambda: ims.list_images(ListImagesRequest(limit=5, imagetype="gold")))
allimg = {i.name: i for i in ims.list_images(ListImagesRequest()).images}
check("ims.page_info", lambda: ims.list_images(ListImagesRequest(limit=5)).page_info)
check("nova.keypairs", lambda: ecs.nova_list_keypairs(NovaListKeypairsRequest()).keypairs[0].keypair.name)
check("kps.keypairs", lambda: kps.list_keypairs(ListKeypairsRequest(limit="3")).page_info)
check("iam.projects", lambda: iam.keystone_list_projects(KeystoneListProjectsRequest(name="ap-southeast-3")).projects[0].id)
check("iam.credential", lambda: iam.show_permanent_access_key(ShowPermanentAccessKeyRequest(access_key=AK)).credential.user_id)
check("bms.list", lambda: bms.list_bare_metal_servers(ListBareMetalServersRequest(limit=3, offset=1)))
bl = {s.name: s for s in bms.list_bare_metal_servers(ListBareMetalServersRequest(limit=100)).servers}
check("bms.show", lambda: bms.list_bare_metal_server_details(ListBareMetalServerDetailsRequest(server_id=bl["bms-db-01"].id)).server.status)
ub = allimg["Ubuntu 22.04 server 64bit"].id
uid = "9f8e7d6c5b4a39281706f5e4d3c2b1a0"
r = check("ecs.changeos.v2", lambda: ecs.change_server_os_with_cloud_init(ChangeServerOsWithCloudInitRequest(server_id=by["web-03"].id,
    body=ChangeServerOsWithCloudInitRequestBody(os_change=ChangeServerOsWithCloudInitOption(imageid=ub, keyname="kp-admin", userid=uid,
        metadata=ChangeSeversOsMetadata(user_data=base64.b64encode(b"#!/bin/sh\necho hi\n").decode()))))))
job = r.job_id if r else None
check("ecs.changeos.v1", lambda: ecs.change_server_os_without_cloud_init(ChangeServerOsWithoutCloudInitRequest(server_id=by["db-replica-1"].id,
    body=ChangeServerOsWithoutCloudInitRequestBody(os_change=ChangeServerOsWithoutCloudInitOption(imageid=allimg["legacy-app-centos6"].id, adminpass="Str0ng!Pass")))))
check("ecs.reinstallos.v2", lambda: ecs.reinstall_server_with_cloud_init(ReinstallServerWithCloudInitRequest(server_id=by["web-01"].id,
    body=ReinstallServerWithCloudInitRequestBody(os_reinstall=ReinstallServerWithCloudInitOption(adminpass="Str0ng!Pass", mode="withStopServer")))))
check("ecs.reinstallos.v1", lambda: ecs.reinstall_server_without_cloud_init(ReinstallServerWithoutCloudInitRequest(server_id=by["legacy-centos6"].id,
    body=ReinstallServerWithoutCloudInitRequestBody(os_reinstall=ReinstallServerWithoutCloudInitOption(keyname="kp-admin", userid=uid)))))
check("ecs.stop", lambda: ecs.batch_stop_servers(BatchStopServersRequest(body=BatchStopServersRequestBody(os_stop=BatchStopServersOption(servers=[ServerId(id=by["web-02"].id)], type="SOFT")))))
bimg = allimg["EulerOS 2.9 64bit for BareMetal"].id
r2 = check("bms.changeos", lambda: bms.change_baremetal_server_os(ChangeBaremetalServerOsRequest(server_id=bl["bms-db-01"].id,
    body=OSChangeReq(os_change=OsChange(imageid=bimg, keyname="kp-bms", userid=uid)))))
check("bms.reinstallos", lambda: bms.reinstall_baremetal_server_os(ReinstallBaremetalServerOsRequest(server_id=bl["bms-arm-01"].id,
    body=OsReinstallBody(os_reinstall=OsReinstall(adminpass="Str0ng!Pass")))))
check("bms.stop", lambda: bms.batch_stop_baremetal_servers(BatchStopBaremetalServersRequest(body=OsStopBody(os_stop=OsStopBodyType(type="HARD", servers=[ServersList(id=bl["bms-hpc-01"].id)])))))
# The pages' verdicts (docs/rules.md): page 000 lists ~#* as specials, page 002 says a
# BYOL other than "true" means no BYOL, page 000 says a blank userid is the token's user.
check("ecs.password_hash_sign", lambda: ecs.change_server_os_with_cloud_init(ChangeServerOsWithCloudInitRequest(server_id=by["api-canary"].id,
    body=ChangeServerOsWithCloudInitRequestBody(os_change=ChangeServerOsWithCloudInitOption(imageid=ub, adminpass="My#Pass2024x",
        metadata=ChangeSeversOsMetadata(byol="false"))))))
check("ecs.keypair_no_userid", lambda: ecs.change_server_os_with_cloud_init(ChangeServerOsWithCloudInitRequest(server_id=by["elastic-02"].id,
    body=ChangeServerOsWithCloudInitRequestBody(os_change=ChangeServerOsWithCloudInitOption(imageid=ub, keyname="kp-admin")))))
check("ecs.windows_v2", lambda: ecs.change_server_os_with_cloud_init(ChangeServerOsWithCloudInitRequest(server_id=by["mq-rabbit-01"].id,
    body=ChangeServerOsWithCloudInitRequestBody(os_change=ChangeServerOsWithCloudInitOption(imageid=allimg["Windows Server 2019 Datacenter 64bit English"].id, adminpass="Bl4ck!Horse")))))
check("ecs.reject", lambda: ecs.change_server_os_with_cloud_init(ChangeServerOsWithCloudInitRequest(server_id=by["web-01"].id,
    body=ChangeServerOsWithCloudInitRequestBody(os_change=ChangeServerOsWithCloudInitOption(imageid=ub, adminpass="weak")))))
time.sleep(1.0)
if job:
    check("ecs.job", lambda: ecs.show_job(ShowJobRequest(job_id=job)).status)
if r2:
    check("bms.job", lambda: bms.show_job_infos(ShowJobInfosRequest(job_id=r2.job_id)).status)
check("ecs.show.after", lambda: (lambda s: (s.status, s.image.id == ub, s.metadata.get("image_name")))(ecs.show_server(ShowServerRequest(server_id=by["web-03"].id)).server))
# Project discovery through IAM (no project id in the credentials).
from huaweicloudsdkcore.region.region import Region
c2 = BasicCredentials(AK, SK).with_iam_endpoint(url)
e2 = EcsClient.new_builder().with_credentials(c2).with_region(Region("ap-southeast-3", url)).build()
check("discovery+ecs.list", lambda: e2.list_servers_details(ListServersDetailsRequest(limit=1)).count)
# Temporary credentials from the instance metadata service (endpoint redirected to the sandbox).
from huaweicloudsdkcore.auth import internal
from huaweicloudsdkcore.auth.provider import MetadataCredentialProvider
internal.MetadataAccessor._METADATA_ENDPOINT = url
def metadata_list():
    mc = MetadataCredentialProvider.get_basic_credential_metadata_provider().get_credentials()
    mc.project_id = PID
    return build(EcsClient, mc).list_servers_details(ListServersDetailsRequest(limit=1)).count
check("metadata credentials+ecs.list", metadata_list)
print("passed", ok)
