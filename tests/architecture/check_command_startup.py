#!/usr/bin/env python3
"""Runs the plain commands of the scopemia program on a small synthetic cohort
and reads, from the dynamic loader's own record (LD_DEBUG=libs), every shared
object the process mapped and initialised: none may be libtorch or libc10,
and those that need neither learners nor DICOM may not map XGBoost, GDCM or
DCMTK either (docs/architecture.md: the libraries loaded on demand). Controls
show the check sees each: a torch command maps libtorch, `evaluate` XGBoost,
`info` of a DICOM folder GDCM, `dicom ls` DCMTK.

    check_command_startup.py --scopemia build/scopemia [--dicom-folder DIR]
"""
import argparse
import glob
import os
import subprocess
import sys
import tempfile

TORCH = ("libtorch", "libc10")
LEARNERS = ("libxgboost",)
GDCM = ("libgdcm",)
DCMTK = ("libdcmdata",)


def mapped_libraries(scopemia, args, workdir):
    """The shared objects the loader initialised for one run ('calling init:' lines)."""
    log = os.path.join(workdir, "ld")
    for old in glob.glob(log + ".*"):
        os.remove(old)
    env = dict(os.environ, LD_DEBUG="libs", LD_DEBUG_OUTPUT=log)
    run = subprocess.run([scopemia] + args, cwd=workdir, env=env, capture_output=True, text=True)
    if run.returncode != 0:
        raise SystemExit("scopemia %s exited %d: %s" % (" ".join(args), run.returncode, run.stderr.strip()))
    libraries = set()
    for path in glob.glob(log + ".*"):
        with open(path) as f:
            for line in f:
                if "calling init:" in line:
                    libraries.add(os.path.basename(line.split("calling init:")[1].strip()))
    if not libraries:
        raise SystemExit("LD_DEBUG recorded nothing for scopemia %s: cannot check" % " ".join(args))
    return libraries


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scopemia", required=True)
    ap.add_argument("--dicom-folder", help="a DICOM folder for `dicom ls` (the IBSI CT phantom of the refdata)")
    args = ap.parse_args()
    scopemia = os.path.abspath(args.scopemia)
    with tempfile.TemporaryDirectory() as tmp:
        plain_runs = [
            ["phantom", "-o", "ph", "--cases", "12", "--size", "24", "24", "12", "--seed", "1"],
            ["info", "ph/images/case_001.nii.gz"],
            ["convert", "ph/images/case_001.nii.gz", "case_001.nrrd"],
            ["mci", "ph/images/case_001.nii.gz", "-o", "mci.nii.gz"],
            ["--threads", "1", "radiomics", "ph/images/case_001.nii.gz", "ph/masks/case_001.nii.gz", "-o", "one.csv"],
            ["radiomics", "ph/cases.csv", "--shard", "0/2", "-o", "part0.csv"],
            ["radiomics", "ph/cases.csv", "--shard", "1/2", "-o", "part1.csv"],
            ["merge", "part0.csv", "part1.csv", "--cases", "ph/cases.csv", "-o", "all.csv"],
            ["evaluate", "--features", "all.csv", "--labels", "ph/cases.csv", "--target", "heterogeneous",
             "--folds", "3", "--repeats", "1", "--classifiers", "logreg", "--no-report", "-o", "eval"],
            ["--version"],
        ]
        if args.dicom_folder and os.path.isdir(args.dicom_folder):
            plain_runs.append(["dicom", "ls", os.path.abspath(args.dicom_folder)])
        else:
            print("dicom ls not checked: no DICOM folder (--dicom-folder %s)" % args.dicom_folder)
        bad = 0
        for run in plain_runs:
            if run[0] == "evaluate":
                forbidden = TORCH
            elif run[0] == "dicom":
                forbidden = TORCH + LEARNERS + GDCM
            else:
                forbidden = TORCH + LEARNERS + GDCM + DCMTK
            found = sorted(l for l in mapped_libraries(scopemia, run, tmp) if l.startswith(forbidden))
            print("scopemia %s: %s" % (" ".join(run), "maps " + ", ".join(found) if found else
                                       "none of " + ", ".join(forbidden)))
            bad += bool(found)
        controls = [(["embed", "--help"], TORCH), (["evaluate", "--help"], LEARNERS)]
        if args.dicom_folder and os.path.isdir(args.dicom_folder):
            controls.append((["info", os.path.abspath(args.dicom_folder)], GDCM))
            controls.append((["dicom", "ls", os.path.abspath(args.dicom_folder)], DCMTK))
        for run, expected in controls:
            found = sorted(l for l in mapped_libraries(scopemia, run, tmp) if l.startswith(expected))
            print("scopemia %s: %s" % (" ".join(run), "maps " + ", ".join(found) if found else
                                       "no " + ", ".join(expected) + " (expected it)"))
            bad += not found
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
