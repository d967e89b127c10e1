#!/usr/bin/python3
"""Replays an APDU sequence with pyscard, the baseline for the card-read benchmark.

    pyscard_replay.py READER APDU_FILE ITERATIONS

APDU_FILE holds one command per line in hex. Each iteration connects (exclusive, T=0|T=1), sends
every command, handles 61xx/6Cxx like the Swift reader, and disconnects with a reset: the same
work zizhu-bench does. Prints one line per iteration: elapsed seconds.
Uses PCSCLITE_CSOCK_NAME from the environment, like every libpcsclite client.
"""
import sys
import time
from smartcard.scard import (SCardEstablishContext, SCardConnect, SCardTransmit, SCardDisconnect,
                             SCardBeginTransaction, SCardEndTransaction, SCardReleaseContext,
                             SCARD_SCOPE_USER, SCARD_SHARE_EXCLUSIVE, SCARD_PROTOCOL_T0, SCARD_PROTOCOL_T1,
                             SCARD_RESET_CARD, SCARD_LEAVE_CARD, SCARD_S_SUCCESS)


def send(card, protocol, command):
    rv, response = SCardTransmit(card, protocol, command)
    if rv != SCARD_S_SUCCESS or len(response) < 2:
        raise RuntimeError("transmit failed: %x" % rv)
    if response[-2] == 0x6C:
        rv, response = SCardTransmit(card, protocol, command[:-1] + [response[-1]])
    data = response[:-2]
    while response[-2] == 0x61:
        rv, response = SCardTransmit(card, protocol, [0x00, 0xC0, 0x00, 0x00, response[-1]])
        data += response[:-2]
    return data + response[-2:]


def main():
    reader, path, iterations = sys.argv[1], sys.argv[2], int(sys.argv[3])
    commands = [list(bytes.fromhex(line.strip())) for line in open(path) if line.strip()]
    rv, context = SCardEstablishContext(SCARD_SCOPE_USER)
    if rv != SCARD_S_SUCCESS:
        sys.exit("no pcscd: %x" % rv)
    for _ in range(iterations):
        start = time.perf_counter()
        rv, card, protocol = SCardConnect(context, reader, SCARD_SHARE_EXCLUSIVE, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1)
        if rv != SCARD_S_SUCCESS:
            sys.exit("connect failed: %x" % rv)
        SCardBeginTransaction(card)
        for command in commands:
            send(card, protocol, command)
        SCardEndTransaction(card, SCARD_LEAVE_CARD)
        SCardDisconnect(card, SCARD_RESET_CARD)
        print("%.9f" % (time.perf_counter() - start), flush=True)
    SCardReleaseContext(context)


if __name__ == "__main__":
    main()
