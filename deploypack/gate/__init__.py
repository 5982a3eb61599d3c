"""The release gate: may this build be published now (the index, the tag, the tree)?"""
