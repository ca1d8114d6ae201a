"""Reads supervisord's main config (argv[1]) as supervisord does; prints, as JSON, the options of the program
config (argv[2]) that its parser never asked for, and its parse warnings."""

import json
import sys

from supervisor import options

sys.path[0] = ""  # the folder of the check, not programs/: modules the file under test names are found there

read = set()
saneget = options.UnhosedConfigParser.saneget


def recording_saneget(self, section, option, *args, **kwargs):
    read.add((section, option))
    return saneget(self, section, option, *args, **kwargs)


# supervisord lists no option names: the ones its own parser asks for while reading the file are the known ones
options.UnhosedConfigParser.saneget = recording_saneget
server = options.ServerOptions()
server.realize(args=["-c", sys.argv[1]])
parser = options.UnhosedConfigParser()
parser.read(sys.argv[2])
unknown = [
    [section, option, sorted(known for place, known in read if place == section)]
    for section in parser.sections()
    if section.startswith("program:")
    for option in parser.options(section)
    if (section, option) not in read
]
print(json.dumps({"unknown": unknown, "warnings": server.parse_warnings}))
