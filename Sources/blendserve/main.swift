print("blendserve")
