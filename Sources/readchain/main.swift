print("readchain")
