
ReadFile
read

pathPlaceholder"ç