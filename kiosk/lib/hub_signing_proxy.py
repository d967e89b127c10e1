#!/usr/bin/env python3
"""A loopback proxy that signs every request as one enrolled test kiosk, for schemathesis.

Schemathesis generates requests from openapi.yaml but cannot sign them: the signature covers the
exact body bytes it sends. This proxy sits between schemathesis and the hub and adds
Content-Digest, Signature-Input and Signature (RFC 9421, Ed25519) as openapi.yaml describes them,
written from that description alone: it is also an independent check of the contract's wording.

Usage: hub_signing_proxy.py HUB_URL ENROLLMENT_CODE LISTEN_PORT
Requests carrying `Signature: sign-me` are signed; all others pass through unchanged.
Enrolls a fresh key with the code, then serves until killed. Prints "ready <device id>" when
listening.
"""
import base64
import hashlib
import http.client
import http.server
import json
import os
import sys
import time
import urllib.parse

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat


SIGN_ME = "sign-me"


def main():
    hub_url, code, listen_port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    hub = urllib.parse.urlsplit(hub_url)
    key = Ed25519PrivateKey.generate()
    public = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)

    connection = http.client.HTTPConnection(hub.hostname, hub.port, timeout=10)
    body = json.dumps({"code": code, "public_key": base64.b64encode(public).decode()})
    connection.request("POST", "/v1/enroll", body=body, headers={"Content-Type": "application/json"})
    answer = connection.getresponse()
    enrollment = json.loads(answer.read())
    if answer.status != 201:
        sys.exit(f"enrollment failed: {answer.status} {enrollment}")
    device_id = enrollment["device_id"]

    def signed_headers(method, target, payload):
        digest = "sha-256=:" + base64.b64encode(hashlib.sha256(payload).digest()).decode() + ":"
        path, _, query = target.partition("?")
        params = '("@method" "@path" "@query" "content-digest");created={};nonce="{}";keyid="{}";alg="ed25519"'.format(
            int(time.time()), base64.b64encode(os.urandom(16)).decode(), device_id)
        base = "\n".join([
            f'"@method": {method}',
            f'"@path": {path}',
            f'"@query": ?{query}',
            f'"content-digest": {digest}',
            f'"@signature-params": {params}',
        ])
        signature = base64.b64encode(key.sign(base.encode())).decode()
        return {"Content-Digest": digest, "Signature-Input": "kiosk=" + params, "Signature": f"kiosk=:{signature}:"}

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def forward(self):
            length = int(self.headers.get("Content-Length") or 0)
            payload = self.rfile.read(length) if length else b""
            # schemathesis sends `Signature: sign-me` (its "API key") on requests it means to be
            # authenticated; only those are signed. When it probes the authentication itself it
            # drops the header or sends another value, and the request reaches the hub untouched,
            # to be refused there.
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length", "connection")}
            if self.headers.get("Signature") == SIGN_ME:
                del headers["Signature"]
                headers.update(signed_headers(self.command, self.path, payload))
            upstream = http.client.HTTPConnection(hub.hostname, hub.port, timeout=30)
            try:
                upstream.request(self.command, self.path, body=payload if (payload or self.command in ("POST", "PUT", "PATCH")) else None,
                                 headers=headers)
                response = upstream.getresponse()
                data = response.read()
            except (OSError, http.client.HTTPException) as error:
                data = json.dumps({"reason": "proxy", "message": str(error)}).encode()
                self.send_response(599)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                return
            finally:
                upstream.close()
            self.send_response(response.status)
            for name, value in response.getheaders():
                if name.lower() not in ("content-length", "connection", "transfer-encoding"):
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def __getattr__(self, name):
            # Every method goes to the hub, including ones schemathesis invents (TRACE, QUERY):
            # what they get is the hub's answer to judge, not the proxy's.
            if name.startswith("do_"):
                return self.forward
            raise AttributeError(name)

        def log_message(self, format, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", listen_port), Handler)
    print(f"ready {device_id}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
