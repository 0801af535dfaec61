
†
root.layer_with_weights-1"_tf_keras_layer*Ï{"name": "dense", "trainable": true, "expects_training_arg": false, "dtype": "float32", "batch_input_shape": null, "stateful": false, "must_restore_from_config": false, "preserve_input_structure_in_config": false, "autocast": true, "class_name": "Dense", "config": {"name": "dense", "units": 2, "activation": "relu", "use_bias": true}}