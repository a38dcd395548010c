import Tracking
print("mltui")
