ô
"serveç

n0Placeholder

n1Const

n2SaveV2

n3	RestoreV2

n4MergeV2Checkpoints
+
printPrintV2*
output_streamstderr"ç