// Development entry for the TUI; the lead replaces it with `mltui [URI]` and `mltui keys`.
import Foundation
import Tracking
import TUI
