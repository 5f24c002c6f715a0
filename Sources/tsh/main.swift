// Entry point: parse, run, and turn every failure into `ERROR: …` and exit 1.
TSH.runAndExit()
