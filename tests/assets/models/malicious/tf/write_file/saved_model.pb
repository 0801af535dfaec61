ú
"serveî

n0_PlaceholderPlaceholder

n1_ConstConst

	n2_SaveV2SaveV2

n3_RestoreV2	RestoreV2
+
n4_MergeV2CheckpointsMergeV2Checkpoints

n5_StringJoin
StringJoin
%
n6_ShardedFilenameShardedFilename

n7_WriteFile	WriteFile