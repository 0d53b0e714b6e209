"""Everything reimage lists, paged with the official Huawei Python SDKs, one request at a
time as a script would: ECS and BMS servers (pages of 1000), IMS images (pages of 500 by
marker), Nova key pairs, KPS key pairs (pages of 1000 by marker). Prints the counts.

Usage (benches/load.rs runs it when LOAD_SDK=1):
  pip install huaweicloudsdkecs huaweicloudsdkbms huaweicloudsdkims huaweicloudsdkkps
  python3 benches/sdk_list.py http://127.0.0.1:PORT AK SK PROJECT_ID
"""
import sys
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkecs.v2 import EcsClient, ListServersDetailsRequest, NovaListKeypairsRequest
from huaweicloudsdkbms.v1 import BmsClient, ListBareMetalServersRequest
from huaweicloudsdkims.v2 import ImsClient, ListImagesRequest
from huaweicloudsdkkps.v3 import KpsClient, ListKeypairsRequest

url, ak, sk, pid = sys.argv[1:5]
cred = BasicCredentials(ak, sk, pid)


def build(cls):
    return cls.new_builder().with_credentials(cred).with_endpoints([url]).build()


ecs, bms, ims, kps = build(EcsClient), build(BmsClient), build(ImsClient), build(KpsClient)

servers = []
offset = 1
while True:
    page = ecs.list_servers_details(
        ListServersDetailsRequest(limit=1000, offset=offset, not_tags="__type_baremetal")).servers or []
    servers += page
    if len(page) < 1000:
        break
    offset += 1

bare = []
offset = 1
while True:
    page = bms.list_bare_metal_servers(ListBareMetalServersRequest(limit=1000, offset=offset)).servers or []
    bare += page
    if len(page) < 1000:
        break
    offset += 1

images = []
marker = None
while True:
    page = ims.list_images(ListImagesRequest(limit=500, marker=marker)).images or []
    images += page
    if len(page) < 500:
        break
    marker = page[-1].id

nova = ecs.nova_list_keypairs(NovaListKeypairsRequest()).keypairs or []
keys = []
marker = None
while True:
    r = kps.list_keypairs(ListKeypairsRequest(limit="1000", marker=marker))
    keys += r.keypairs or []
    marker = r.page_info.next_marker if r.page_info else None
    if not marker:
        break

print(len(servers), len(bare), len(images), len(nova), len(keys))
