#!/usr/bin/python3
"""Card in to records read with pyscard, the baseline for the kiosk's card-in benchmark.

    pyscard_card_in.py READER APDU_FILE ITERATIONS ZIZHUCTL PROFILE

Each iteration waits a random 0-400 ms (so insertions fall at random points of pcscd's 400 ms
reader polling, as the kiosk side's do), then starts the clock, inserts the emulated card the way
the kiosk side does (`ZIZHUCTL card insert PROFILE`, a process of its own), waits for pcscd's
card-present event (SCardGetStatusChange), connects (exclusive, T=0|T=1), sends APDU_FILE's
commands in one transaction (61xx/6Cxx followed like the Swift reader, see pyscard_replay.py),
disconnects with a reset and stops the clock; then removes the card and waits until pcscd says
the reader is empty. Prints one line per iteration: seconds to the event, seconds to the records.
Uses PCSCLITE_CSOCK_NAME and ZIZHU_CARDSIM_CONTROL from the environment.
"""
import random
import subprocess
import sys
import time
from smartcard.scard import (SCardEstablishContext, SCardGetStatusChange, SCardConnect, SCardTransmit,
                             SCardDisconnect, SCardBeginTransaction, SCardEndTransaction, SCardReleaseContext,
                             SCARD_SCOPE_USER, SCARD_SHARE_EXCLUSIVE, SCARD_PROTOCOL_T0, SCARD_PROTOCOL_T1,
                             SCARD_RESET_CARD, SCARD_LEAVE_CARD, SCARD_S_SUCCESS, SCARD_STATE_UNAWARE,
                             SCARD_STATE_PRESENT, SCARD_STATE_EMPTY, SCARD_STATE_CHANGED, INFINITE)


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
    if response[-2:] != [0x90, 0x00]:
        raise RuntimeError("card answered %02X%02X to %s" % (response[-2], response[-1], bytes(command).hex()))
    return data


def wait_for(context, reader, wanted):
    """Blocks until the reader's state has the `wanted` bit (pcscd's event, no polling here)."""
    rv, states = SCardGetStatusChange(context, 0, [(reader, SCARD_STATE_UNAWARE)])
    while True:
        if rv != SCARD_S_SUCCESS:
            sys.exit("SCardGetStatusChange failed: %x" % rv)
        _, state, _ = states[0]
        if state & wanted:
            return
        rv, states = SCardGetStatusChange(context, INFINITE, [(reader, state & ~SCARD_STATE_CHANGED)])


def main():
    reader, path, iterations, zizhuctl, profile = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
    commands = [list(bytes.fromhex(line.strip())) for line in open(path) if line.strip()]
    rv, context = SCardEstablishContext(SCARD_SCOPE_USER)
    if rv != SCARD_S_SUCCESS:
        sys.exit("no pcscd: %x" % rv)
    wait_for(context, reader, SCARD_STATE_EMPTY)
    for _ in range(iterations):
        time.sleep(random.uniform(0, 0.4))
        start = time.perf_counter()
        subprocess.run([zizhuctl, "card", "insert", profile], check=True, stdout=subprocess.DEVNULL)
        wait_for(context, reader, SCARD_STATE_PRESENT)
        event = time.perf_counter()
        rv, card, protocol = SCardConnect(context, reader, SCARD_SHARE_EXCLUSIVE, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1)
        if rv != SCARD_S_SUCCESS:
            sys.exit("connect failed: %x" % rv)
        SCardBeginTransaction(card)
        for command in commands:
            send(card, protocol, command)
        SCardEndTransaction(card, SCARD_LEAVE_CARD)
        SCardDisconnect(card, SCARD_RESET_CARD)
        done = time.perf_counter()
        print("%.6f %.6f" % (event - start, done - start), flush=True)
        subprocess.run([zizhuctl, "card", "remove"], check=True, stdout=subprocess.DEVNULL)
        wait_for(context, reader, SCARD_STATE_EMPTY)
    SCardReleaseContext(context)


if __name__ == "__main__":
    main()
