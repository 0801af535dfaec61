"ç

pathPlaceholder

readReadFile