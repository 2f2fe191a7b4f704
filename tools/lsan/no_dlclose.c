/* Keeps every shared library loaded until exit, so that LeakSanitizer can name the library
 * of each leaked allocation (the Vulkan loader unloads drivers and layers at instance
 * destruction, and leaks in unloaded code show as "<unknown module>"). */
int dlclose(void *handle) { (void)handle; return 0; }
