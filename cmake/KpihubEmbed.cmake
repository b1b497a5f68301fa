# kpihub_embed_text(<output.cc> <namespace> <function> <input file>): generates a source that
# compiles the input file's bytes into the binary as `std::string_view <namespace>::<function>()`.
# The daemon and the adapter both embed config/catalogue.toml this way.
function(kpihub_embed_text output namespace function input)
  file(RELATIVE_PATH source_name ${PROJECT_SOURCE_DIR} ${input})
  add_custom_command(
    OUTPUT ${output}
    COMMAND ${CMAKE_COMMAND} -DINPUT=${input} -DOUTPUT=${output} -DNAMESPACE=${namespace}
            -DFUNCTION=${function} -DSOURCE_NAME=${source_name}
            -P ${PROJECT_SOURCE_DIR}/cmake/EmbedText.cmake
    DEPENDS ${input} ${PROJECT_SOURCE_DIR}/cmake/EmbedText.cmake
    COMMENT "Embedding ${source_name} as ${namespace}::${function}()")
endfunction()
