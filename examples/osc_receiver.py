"""Print every OSC message `python -m core live --osc 127.0.0.1:12000` (or Live's Outputs) sends.

python examples/osc_receiver.py [PORT]      # formats: docs/outputs.md
"""

import sys

from pythonosc.dispatcher import Dispatcher
from pythonosc.osc_server import BlockingOSCUDPServer

dispatcher = Dispatcher()
dispatcher.map("/handteach/gesture", lambda address, hand, side, label, confidence, frame, t: print(
    f"frame {frame} t={t:.2f}s hand {hand} ({side}): {label} {confidence:.0%}"))  # fmt: skip
dispatcher.map("/handteach/motion", lambda address, label, confidence, start, end: print(
    f"motion {label} {confidence:.0%} from {start:.2f}s to {end:.2f}s"))  # fmt: skip
dispatcher.set_default_handler(lambda address, *args: print(address, *args[:4], "..." if len(args) > 4 else ""))
port = int(sys.argv[1]) if len(sys.argv) > 1 else 12000
print(f"listening for OSC on 127.0.0.1:{port} (Ctrl-C stops)")
BlockingOSCUDPServer(("127.0.0.1", port), dispatcher).serve_forever()
