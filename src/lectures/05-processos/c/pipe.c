/* O exemplo Pai -> Filho da aula, com os deslizes de sintaxe corrigidos:
 * includes, MAX_LINE definido, write() com o tamanho, chaves no lugar, wait().
 * Compile: cc -o pipe pipe.c */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#define MAX_LINE 80

int main(void) {
    int n, d[2];
    pid_t pid;
    char line[MAX_LINE];

    if (pipe(d) < 0) {
        printf("Erro na criação do pipe\n");
        return 1;
    } else if ((pid = fork()) < 0) {
        printf("Erro no fork\n");
        return 1;
    } else if (pid > 0) {              /* processo pai: pid = PID do filho */
        close(d[0]);                   /* fecha a parte de leitura do pipe */
        write(d[1], "hello world\n", 12);
        close(d[1]);
        waitpid(pid, NULL, 0);
    } else {                           /* processo filho: pid = 0 */
        close(d[1]);                   /* fecha a parte de escrita do pipe */
        n = read(d[0], line, MAX_LINE); /* síncrona: espera o pai escrever */
        printf("filho PID=%d (pai %d) leu %d bytes: ", getpid(), getppid(), n);
        fflush(stdout);
        write(1, line, n);             /* 1 = stdout */
    }
    return 0;
}
