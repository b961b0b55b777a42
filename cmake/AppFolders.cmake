# mart_folder_include_dir(<target> <folder>): makes #include "<folder>/x.hpp" work for <target>
# and whoever links it, without putting the folder's parent (all of app/) on the include path.
# The include directory is a generated one holding a single link, <folder> -> the real folder.

function(mart_folder_include_dir target folder)
  get_filename_component(name "${folder}" NAME)
  set(root ${PROJECT_BINARY_DIR}/generated/include_${target})
  file(MAKE_DIRECTORY ${root})
  file(CREATE_LINK ${folder} ${root}/${name} SYMBOLIC)
  target_include_directories(${target} PUBLIC ${root})
endfunction()
