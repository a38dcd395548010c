import Tracking
import FileStore
import SQLiteStore
